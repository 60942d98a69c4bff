-- Site hooks of the stand-in platform (found through LMOD_PACKAGE_PATH).
-- The platform's `module avail` titles its one module tree "Core Modules" instead of the folder path.
local hook = require("Hook")

local function avail_hook(t)
   for path in pairs(t) do
      if path:find("/Core/?$") then t[path] = "Core Modules" end
   end
end
hook.register("avail", avail_hook)
