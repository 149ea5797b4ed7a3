<?php
// spamgear test sample: a command runner that tries one way after another,
// whichever the host's disable_functions left.  Nothing here reads the
// request: the helper alone is the web shell's part.
function run_any($line)
{
    $out = '';
    if (function_exists('shell_exec')) {
        $out = shell_exec($line);
    } elseif (function_exists('exec')) {
        exec($line, $rows);
        $out = implode("\n", $rows);
    } elseif (function_exists('passthru')) {
        ob_start();
        passthru($line);
        $out = ob_get_clean();
    }
    return $out;
}
