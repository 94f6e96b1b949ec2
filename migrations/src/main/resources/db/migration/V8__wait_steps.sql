-- A wait for child tasks whose answer depends on which finished first (any of them, or until a timer) is a step of
-- kind 'wait' (docs/steps.md), so that a replay sees the children finish in the same order.
ALTER TABLE steps DROP CONSTRAINT steps_kind_check;
ALTER TABLE steps ADD CONSTRAINT steps_kind_check CHECK (kind IN ('child', 'http', 'clock', 'random', 'sleep', 'wait'));
