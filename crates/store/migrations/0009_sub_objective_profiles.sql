-- Sub-objectives are created on behalf of the parent's creator (docs/api.md §4.1);
-- those created before that rule had no profile: each takes its parent's, level by
-- level (eight levels deep, far beyond what maxSubObjectives chains reach).
UPDATE objectives SET profile_id = (SELECT p.profile_id FROM objectives p WHERE p.id = objectives.parent_objective_id)
WHERE profile_id IS NULL AND parent_objective_id IS NOT NULL;
UPDATE objectives SET profile_id = (SELECT p.profile_id FROM objectives p WHERE p.id = objectives.parent_objective_id)
WHERE profile_id IS NULL AND parent_objective_id IS NOT NULL;
UPDATE objectives SET profile_id = (SELECT p.profile_id FROM objectives p WHERE p.id = objectives.parent_objective_id)
WHERE profile_id IS NULL AND parent_objective_id IS NOT NULL;
UPDATE objectives SET profile_id = (SELECT p.profile_id FROM objectives p WHERE p.id = objectives.parent_objective_id)
WHERE profile_id IS NULL AND parent_objective_id IS NOT NULL;
UPDATE objectives SET profile_id = (SELECT p.profile_id FROM objectives p WHERE p.id = objectives.parent_objective_id)
WHERE profile_id IS NULL AND parent_objective_id IS NOT NULL;
UPDATE objectives SET profile_id = (SELECT p.profile_id FROM objectives p WHERE p.id = objectives.parent_objective_id)
WHERE profile_id IS NULL AND parent_objective_id IS NOT NULL;
UPDATE objectives SET profile_id = (SELECT p.profile_id FROM objectives p WHERE p.id = objectives.parent_objective_id)
WHERE profile_id IS NULL AND parent_objective_id IS NOT NULL;
UPDATE objectives SET profile_id = (SELECT p.profile_id FROM objectives p WHERE p.id = objectives.parent_objective_id)
WHERE profile_id IS NULL AND parent_objective_id IS NOT NULL;
