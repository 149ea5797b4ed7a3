<?php @assert(base64_decode('cGhwaW5mbygpOw=='));
