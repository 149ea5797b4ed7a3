#!/bin/sh
printf 'Content-Type: text/plain\r\n\r\n'
printf 'RAN-%s script=%s\n' CGI "${SCRIPT_FILENAME##*/}"
