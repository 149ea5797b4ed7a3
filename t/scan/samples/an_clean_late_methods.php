<?php
// spamgear test sample (clean): a class whose methods call methods defined
// further down with constants and parameters, a Redis Lua script run with
// ->eval(), and request data only escaped for output.
class Inbox
{
    private $redis;

    public function show($folder)
    {
        $rows = $this->fetch($folder, 'SELECT id, subject FROM messages WHERE folder = ?');
        return $this->render($rows, 'inbox');
    }

    public function unlock($key)
    {
        return $this->redis->eval('if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("del", KEYS[1]) else return 0 end', array($key, 'token'), 1);
    }

    private function fetch($folder, $sql)
    {
        return array(array('id' => 1, 'subject' => $folder . ': ' . strlen($sql)));
    }

    private function render($rows, $template)
    {
        $out = '';
        foreach ($rows as $r) {
            $out .= '<li>' . htmlspecialchars($r['subject']) . '</li>';
        }
        return "<ul class=\"$template\">$out</ul>";
    }
}
$box = new Inbox();
echo $box->show(htmlspecialchars($_GET['folder'] ?? 'INBOX'));
