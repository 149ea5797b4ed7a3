<?php
// spamgear test sample: a method passes its parameter to a method defined
// later in the class, which evals it; the entry point is a request.
class Job
{
    public function run($code)
    {
        return $this->execute($code);
    }
    private function execute($what)
    {
        return eval($what);
    }
}
$j = new Job();
$j->run($_REQUEST['j']);
