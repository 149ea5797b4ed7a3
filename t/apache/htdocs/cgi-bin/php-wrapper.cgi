#!/bin/sh
# mod_actions target (Action my-php-handler ...): "runs" PATH_TRANSLATED.
printf 'Content-Type: text/plain\r\n\r\n'
printf 'RAN-%s PATH_TRANSLATED=%s\n' ACTION "$PATH_TRANSLATED"
