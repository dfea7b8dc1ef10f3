-- wrk script: GET each path of a file in turn, with the bench's headers.
--
-- Environment (wrk's Lua has no arguments of its own for these):
--   WRK_PATHS    file with one request path per line (e.g. /api/v1/risk/weeks/2026-W26/residents/R000123)
--   WRK_TOKEN    bearer token (optional)
--   WRK_PURPOSE  X-Purpose header (optional)
-- Each wrk thread starts at its own offset, so threads do not read the same rows in step.

local requests = {}
local n, i = 0, 0

local function load()
    local file = os.getenv("WRK_PATHS") or error("WRK_PATHS is not set")
    local headers = {}
    local token, purpose = os.getenv("WRK_TOKEN"), os.getenv("WRK_PURPOSE")
    if token and token ~= "" then headers["Authorization"] = "Bearer " .. token end
    if purpose and purpose ~= "" then headers["X-Purpose"] = purpose end
    for path in io.lines(file) do
        if path ~= "" then
            n = n + 1
            requests[n] = wrk.format("GET", path, headers)
        end
    end
    if n == 0 then error(file .. " holds no paths") end
end

local thread_id = 0
function setup(thread)
    thread:set("id", thread_id)
    thread_id = thread_id + 1
end

function init(args)
    load()
    -- `id` is set by setup() before init() runs in the thread.
    i = ((id or 0) * 7919) % n
end

function request()
    i = i % n + 1
    return requests[i]
end
