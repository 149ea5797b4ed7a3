<?php
// spamgear test sample (written for the project): a search highlighter; the
// request's words are quoted, or put between a fixed delimiter and fixed
// modifiers: they cannot choose /e.
$q = isset($_GET['q']) ? $_GET['q'] : '';
$text = file_get_contents(__DIR__ . '/page.txt');
echo preg_replace('/' . preg_quote($q, '/') . '/i', '<mark>$0</mark>', $text);
$word = $_GET['w'];
echo preg_replace('/\b' . $word . '\b/u', '<b>$0</b>', $text);
