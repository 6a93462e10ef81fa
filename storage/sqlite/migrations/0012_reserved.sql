-- Reserved for the votes' migration (0012); this placeholder keeps the numbering whole until
-- that branch is merged, and is removed then.
SELECT 1;
