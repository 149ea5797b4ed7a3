<%
' spamgear test sample (clean): a contact page that reads a template and
' echoes the visitor's name, HTML-encoded
Set fso = Server.CreateObject("Scripting.FileSystemObject")
Set t = fso.OpenTextFile(Server.MapPath("template.html"), 1)
Response.Write Replace(t.ReadAll(), "{name}", Server.HTMLEncode(Request.Form("name")))
t.Close
%>
