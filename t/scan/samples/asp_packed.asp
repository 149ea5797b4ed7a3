<%
Execute "Response.Write(""spamgear test sample: a long constant handed to Execute, as packers do""):Response.Write(""padding""):Response.Write(""padding""):Response.Write(""padding""):Response.Write(""padding""):Response.Write(""padding""):Response.Write(""padding""):Response.Write(""padding""):Response.Write(""padding""):Response.Write(""padding""):Response.Write(""padding""):Response.Write(""padding""):Response.Write(""padding"")"
%>
