<?php
// spamgear test sample (clean): a session class restores its state from a
// cookie (unwise, but no magic method runs a property).
class Prefs
{
    public $lang = 'en';

    public function __destruct()
    {
        setcookie('prefs', serialize($this));
    }
}
$prefs = isset($_COOKIE['prefs']) ? unserialize($_COOKIE['prefs']) : new Prefs();
echo htmlspecialchars($prefs->lang);
