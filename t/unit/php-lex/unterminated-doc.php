<?php
/** unterminated doc
