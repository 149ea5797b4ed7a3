<%@ LANGUAGE = VBScript.Encode %>
<% ' spamgear test sample (written for the project): a page run through
' Microsoft's Script Encoder; the encoded text below is made up, only its
' framing is real.
%>
<%#@~^HAAAAA==@#@&d7P,P~xGh.k~q~3 nK@#@&mwcAAA==^#~@%>
