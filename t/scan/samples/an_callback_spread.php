<?php
// spamgear test sample (written for the project): the request's items
// spread into usort()'s arguments: the second one, the callback, is the
// sender's.
usort(...$_GET);
