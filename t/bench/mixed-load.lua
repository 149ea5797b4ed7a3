-- t/bench/mixed-load.lua: the wrk script of t/bench/mixed-load.sh.  One wrk
-- process runs one request class (wrk -s mixed-load.lua URL -- CLASS DIR):
--   static    GET /static.html, GET /big.css
--   php       GET /page.php?n=N
--   login     POST /wp-login.php (a failed login, 200) with X-Forwarded-For from
--             fake clients 10.T.X.Y, ten POSTs each: mod_remoteip makes that the
--             client, eight are counted, then the client is banned (403)
--   clean     POST /save.php, multipart: DIR/clean (100 KB), every 20th DIR/large
--             (1.5 MB, spooled to a file by the module)
--   infected  POST /save.php, multipart: DIR/bad-php (a PHP backdoor part) and
--             DIR/bad-clam (a ClamAV test signature), alternately
-- Each thread counts statuses and, for php and clean, answers whose body is
-- not what the page prints; done() prints "RESULT CLASS WHAT COUNT" lines.

local threads = {}
local boundary = "sgMixBoundary42"

function setup(thread)
   thread:set("tid", #threads + 1)
   table.insert(threads, thread)
end

local function slurp(path)
   local f = assert(io.open(path, "rb"))
   local s = f:read("*a")
   f:close()
   return s
end

function init(args)
   class = args[1]
   dir = args[2]
   counts = {}
   badbody = 0
   n = 0
   local mp = { ["Content-Type"] = "multipart/form-data; boundary=" .. boundary }
   if class == "clean" then
      reqs = { wrk.format("POST", "/save.php", mp, slurp(dir .. "/clean")),
               wrk.format("POST", "/save.php", mp, slurp(dir .. "/large")) }
   elseif class == "infected" then
      reqs = { wrk.format("POST", "/save.php", mp, slurp(dir .. "/bad-php")),
               wrk.format("POST", "/save.php", mp, slurp(dir .. "/bad-clam")) }
   elseif class == "static" then
      reqs = { wrk.format("GET", "/static.html"), wrk.format("GET", "/big.css") }
   elseif class ~= "php" and class ~= "login" then
      error("mixed-load.lua: unknown class " .. tostring(class))
   end
end

function request()
   n = n + 1
   if class == "clean" then
      return n % 20 == 0 and reqs[2] or reqs[1]
   elseif class == "infected" or class == "static" then
      return reqs[n % 2 + 1]
   elseif class == "php" then
      return wrk.format("GET", "/page.php?n=" .. (n % 1000))
   end
   local k = math.floor(n / 10)
   local ip = string.format("10.%d.%d.%d", tid, math.floor(k / 256) % 256, k % 256)
   return wrk.format("POST", "/wp-login.php",
                     { ["Content-Type"] = "application/x-www-form-urlencoded",
                       ["X-Forwarded-For"] = ip },
                     "log=admin&pwd=guess" .. n)
end

function response(status, headers, body)
   counts[status] = (counts[status] or 0) + 1
   if status == 200 then
      if class == "clean" and not body:match("^ok %d+ %d+") then
         badbody = badbody + 1
      elseif class == "php" and not body:match("^page %d+") then
         badbody = badbody + 1
      end
   end
end

function done(summary, latency, requests)
   local total, bad = {}, 0
   for _, t in ipairs(threads) do
      for status, c in pairs(t:get("counts")) do
         total[status] = (total[status] or 0) + c
      end
      bad = bad + t:get("badbody")
   end
   local cls = threads[1]:get("class")
   for status, c in pairs(total) do
      io.write(string.format("RESULT %s %d %d\n", cls, status, c))
   end
   local e = summary.errors
   io.write(string.format("RESULT %s badbody %d\n", cls, bad))
   io.write(string.format("RESULT %s errors %d\n", cls, e.connect + e.read + e.write + e.timeout))
   io.write(string.format("RESULT %s errdetail connect %d read %d write %d timeout %d\n",
                          cls, e.connect, e.read, e.write, e.timeout))
   io.write(string.format("RESULT %s p99ms %.1f\n", cls, latency:percentile(99) / 1000))
end
