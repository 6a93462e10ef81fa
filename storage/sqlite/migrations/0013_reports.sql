-- Reports: what a cell's report, a member's own record (/me), the operator's overview across
-- cells and the attendance alerts read, each through an index.

-- Each meeting's summoned roll counted as it is written, so that the overview across every
-- cell reads one row per meeting instead of every roll line (kept by the triggers below).
-- attended = present or late; a summoned line neither attended, excused nor absent is still
-- "expected" (the meeting has not settled its roll).
CREATE TABLE roll_counts (
    meeting_id INTEGER PRIMARY KEY REFERENCES meetings (id),
    summoned INTEGER NOT NULL DEFAULT 0,
    attended INTEGER NOT NULL DEFAULT 0,
    excused INTEGER NOT NULL DEFAULT 0,
    absent INTEGER NOT NULL DEFAULT 0
);
INSERT INTO roll_counts (meeting_id, summoned, attended, excused, absent)
    SELECT meeting_id, COUNT(*), SUM(status IN ('present', 'late')), SUM(status = 'excused'),
           SUM(status = 'absent')
    FROM roll WHERE summoned = 1 GROUP BY meeting_id;

-- (No INSERT OR IGNORE in the triggers: an outer statement's conflict clause, such as the
-- roll's own upserts, would override it. The triggers' changes count in total_changes: a
-- statement on the roll counts its own rows with RETURNING.)
CREATE TRIGGER roll_counts_insert AFTER INSERT ON roll WHEN NEW.summoned = 1
BEGIN
    INSERT INTO roll_counts (meeting_id) SELECT NEW.meeting_id
        WHERE NOT EXISTS (SELECT 1 FROM roll_counts WHERE meeting_id = NEW.meeting_id);
    UPDATE roll_counts SET summoned = summoned + 1,
                           attended = attended + (NEW.status IN ('present', 'late')),
                           excused = excused + (NEW.status = 'excused'),
                           absent = absent + (NEW.status = 'absent')
    WHERE meeting_id = NEW.meeting_id;
END;

CREATE TRIGGER roll_counts_update AFTER UPDATE OF status, summoned, meeting_id ON roll
BEGIN
    UPDATE roll_counts SET summoned = summoned - 1,
                           attended = attended - (OLD.status IN ('present', 'late')),
                           excused = excused - (OLD.status = 'excused'),
                           absent = absent - (OLD.status = 'absent')
    WHERE meeting_id = OLD.meeting_id AND OLD.summoned = 1;
    INSERT INTO roll_counts (meeting_id) SELECT NEW.meeting_id
        WHERE NEW.summoned = 1
          AND NOT EXISTS (SELECT 1 FROM roll_counts WHERE meeting_id = NEW.meeting_id);
    UPDATE roll_counts SET summoned = summoned + 1,
                           attended = attended + (NEW.status IN ('present', 'late')),
                           excused = excused + (NEW.status = 'excused'),
                           absent = absent + (NEW.status = 'absent')
    WHERE meeting_id = NEW.meeting_id AND NEW.summoned = 1;
END;

CREATE TRIGGER roll_counts_delete AFTER DELETE ON roll WHEN OLD.summoned = 1
BEGIN
    UPDATE roll_counts SET summoned = summoned - 1,
                           attended = attended - (OLD.status IN ('present', 'late')),
                           excused = excused - (OLD.status = 'excused'),
                           absent = absent - (OLD.status = 'absent')
    WHERE meeting_id = OLD.meeting_id;
END;

-- One member's record across meetings (/me, the alerts).
CREATE INDEX roll_user ON roll (user_id, meeting_id);
-- Absences without reason are few: the overview and the alerts find them all at once.
CREATE INDEX roll_unexcused ON roll (meeting_id, user_id)
    WHERE status = 'absent' AND summoned = 1;
-- The held meetings of a period across cells (the overview).
CREATE INDEX meetings_held ON meetings (starts_at, cell_id, type) WHERE status = 'closed';
-- Meetings closed lately (the hourly sweep's alerts look at their cells).
CREATE INDEX meeting_runs_closed ON meeting_runs (closed_at) WHERE closed_at IS NOT NULL;
