-- Benchmark set-up for benches/zfs-guest.sh: DATASET@sN for every dataset
-- named, in one transaction group (ZFS allows one snapshot of a dataset
-- per txg, so the guest runs this once per N).
--   zfs program POOL benches/make-snapshots.lua N DATASET...
local argv = (...)["argv"]
local n = argv[1]
for i = 2, #argv do
  local err = zfs.sync.snapshot(argv[i] .. "@s" .. n)
  if err ~= 0 then
    error("snapshot " .. argv[i] .. "@s" .. n .. ": error " .. err)
  end
end
