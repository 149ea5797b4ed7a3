<?php
// spamgear test sample (clean): a JSON-RPC endpoint and a router that call
// the method the request names on an object they hold.
class Api { function ping() { return 'pong'; } }
$request = json_decode(file_get_contents('php://input'), true);
$api = new Api();
echo json_encode(call_user_func_array(array($api, $request['method']), (array)$request['params']));
$action = isset($_GET['a']) ? $_GET['a'] : 'ping';
call_user_func([$api, $action]);
