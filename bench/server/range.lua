-- wrk script: GETs of 1 MiB byte ranges of one blob, cycling through its 1 MiB-aligned offsets.
-- Usage: wrk ... -s range.lua http://HOST:PORT/blobs/<sha256>  (env BLOB_SIZE: the blob's size)
local size = tonumber(os.getenv("BLOB_SIZE") or "8388608")
local mib = 1048576
local slots = math.max(1, math.floor(size / mib))
local counter = 0

request = function()
  local first = (counter % slots) * mib
  counter = counter + 1
  return wrk.format("GET", nil, { ["Range"] = "bytes=" .. first .. "-" .. (first + mib - 1) })
end
