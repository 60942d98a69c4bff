-- Site hooks of the stand-in platform (found through LMOD_PACKAGE_PATH), written into the
-- instance's state by software/modules.py: `module avail` titles each tree of a software environment
-- (.../Core) with the profile's title, as the platform's does, instead of its folder.
local hook = require("Hook")

local function avail_hook(t)
   for path in pairs(t) do
      if path:find("/Core/?$") then t[path] = @TREE_TITLE@ end
   end
end
hook.register("avail", avail_hook)
