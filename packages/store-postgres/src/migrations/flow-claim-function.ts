import type { TableNames } from '../naming/table-names.js';
import { controlsClaimsSql, groupKeySql } from '../sql/flow-sql.js';
import { CLAIMABLE_SQL } from '../sql/statuses.js';

/**
 * The claim of controlled types (see `FlowStore` in core), as the PL/pgSQL function migration 5
 * creates: `<table>_flow_claim(types, counts, now, total, owner, lease_expires_at, relaxed)`.
 * Part of a released migration step, so never edited: a change is a new step that replaces the
 * function (`CREATE OR REPLACE FUNCTION`).
 *
 * Why a function: the limits must be decided in the same atomic step that leases the jobs, for any
 * number of claimers, and under READ COMMITTED a statement that waits for a row lock still counts
 * rows with the snapshot it took before waiting. A VOLATILE function takes a fresh snapshot for
 * each statement it runs, so:
 *
 * 1. The first statement locks the limits rows of the requested types that control claims
 *    (`FOR UPDATE`, in type order so claimers never deadlock): claimers of one controlled type
 *    queue here, one claim at a time, each for a few milliseconds.
 * 2. The second statement starts after the lock is held, so it sees every claim committed before
 *    (their running jobs, starts and latest starts per group) and decides the claim from them:
 *    - per type: `lim` = requested, capped by `max_running` minus the running jobs and, for a
 *      type-wide rate limit, by `rate_limit` minus the starts after `now - interval`. Starts
 *      after `now` count too (core's memory store, on one clock, never has any): they are
 *      another claimer's whose clock runs ahead of this one's, and leaving them out would let
 *      this claim put a second `limit` into a window that holds both. Counted this way, no
 *      window `(t - interval, t]` over the recorded starts ever holds more than `limit`,
 *      however the claimers' clocks differ;
 *    - the groups with due jobs, each with its next job (its head), by a skip scan of
 *      `group_claim_idx`: one index probe per such group (jobs without a group form one group);
 *      the running jobs and recent starts per group are read once per type into jsonb maps;
 *    - per group: its `room`, capped by `max_running_per_group` and a per-group rate limit;
 *    - the order jobs are taken in, exactly as core's memory store takes them one at a time: the
 *      group whose latest turn is oldest gives the next job (never-started groups first, ties
 *      between those in claim order of their heads), and each job taken is the next turn, so
 *      groups started by one claim are ordered as they were taken. That makes the order rounds:
 *      each group's head by (latest turn, head's claim order), then each group's second job in
 *      the same group order, and so on. Turns are per type and only grow: a claim's first turn is
 *      one above the type's largest recorded one, read under the type's lock. So when the heads
 *      fill `lim`, the heads are all it reads; otherwise each group's next jobs after its head
 *      are read only up to what is left (`quota`);
 *    - types without limits in the same request are claimed as the plain claim does (`FOR
 *      UPDATE SKIP LOCKED`), never one a limits row controls;
 *    - across types, jobs are taken as a merge of the types' sequences by their next job's claim
 *      order (which is a sort by the running maximum of each sequence's claim rank), up to
 *      `total`;
 *    - the chosen rows are locked `SKIP LOCKED` (a transition holding one is not waited for) and
 *      leased; the starts of rate-limited types are recorded at `now` (the request's, not the
 *      database clock), one row per type, instant and group; each served group's latest turn
 *      becomes the turn of its last job taken; starts two windows old are pruned (one window would do for claimers on
 *      one clock; the second keeps the window whole for a claimer whose `now` runs up to one
 *      interval behind another's).
 *
 * Unlocked controlled rows (paused types) claim nothing. A type whose row becomes controlling
 * between the two statements is left out of this claim (the plain part skips it too): never
 * claimed without its lock.
 */
export function flowClaimFunctionSql(names: TableNames): string {
  const t = names.qualified;
  const { limits, starts, groupStarts, claimFunction } = names.flow;
  const L = limits.qualified;
  const S = starts.qualified;
  const G = groupStarts.qualified;
  const byClaimOrder = 'ORDER BY j.priority DESC, j.run_at, j.id';
  const gk = groupKeySql('j.group_name');
  return `CREATE FUNCTION ${claimFunction}(
    p_types text[], p_counts integer[], p_now timestamptz, p_total integer,
    p_owner text, p_expires timestamptz, p_relaxed boolean
  ) RETURNS SETOF ${t}
  LANGUAGE plpgsql VOLATILE
  AS $claim$
  DECLARE
    v_locked text[];
  BEGIN
    IF p_relaxed THEN
      -- Local to this claim's own transaction, as relaxedCommit does for the plain claim.
      PERFORM set_config('synchronous_commit', 'off', true);
    END IF;

    SELECT coalesce(array_agg(l.type), '{}') INTO v_locked
    FROM (
      SELECT c.type FROM ${L} c
      WHERE c.type = ANY(p_types) AND ${controlsClaimsSql('c')}
      ORDER BY c.type
      FOR UPDATE
    ) l;

    RETURN QUERY
    WITH RECURSIVE
    wanted AS (
      SELECT w.type, LEAST(w.n, p_total) AS n
      FROM unnest(p_types, p_counts) AS w(type, n)
      WHERE w.n > 0
    ),
    controlled AS (
      SELECT c.type, w.n, c.max_running, c.max_running_per_group, c.rate_limit, c.rate_per_group,
             p_now - c.rate_interval_ms * interval '1 millisecond' AS since
      FROM wanted w JOIN ${L} c ON c.type = w.type
      WHERE c.type = ANY(v_locked) AND NOT c.paused
    ),
    plan AS (
      SELECT c.type, c.max_running_per_group, c.rate_limit, c.rate_per_group, c.since,
             run.by_group AS running, recent.by_group AS recent, turns.last AS last_turn,
             GREATEST(0, LEAST(
               c.n,
               c.max_running - run.total,
               CASE WHEN NOT c.rate_per_group THEN c.rate_limit - recent.total END
             )) AS lim
      FROM controlled c
      CROSS JOIN LATERAL (
        SELECT coalesce(sum(r.n), 0) AS total, coalesce(jsonb_object_agg(r.gk, r.n), '{}') AS by_group
        FROM (
          SELECT ${gk} AS gk, count(*) AS n FROM ${t} j
          WHERE j.type = c.type AND j.status = 'running'
            AND (c.max_running IS NOT NULL OR c.max_running_per_group IS NOT NULL)
          GROUP BY 1
        ) r
      ) run
      CROSS JOIN LATERAL (
        SELECT coalesce(sum(r.n), 0) AS total, coalesce(jsonb_object_agg(r.gk, r.n), '{}') AS by_group
        FROM (
          SELECT s.group_key AS gk, sum(s.starts) AS n FROM ${S} s
          WHERE c.rate_limit IS NOT NULL AND s.type = c.type AND s.started_at > c.since
          GROUP BY 1
        ) r
      ) recent
      CROSS JOIN LATERAL (SELECT coalesce(max(g.last_turn), 0) AS last FROM ${G} g WHERE g.type = c.type) turns
    ),
    heads AS (
      SELECT p.type, h.gk, h.id, h.priority, h.run_at
      FROM plan p
      CROSS JOIN LATERAL (
        SELECT ${gk} AS gk, j.id, j.priority, j.run_at FROM ${t} j
        WHERE j.type = p.type AND j.status IN ${CLAIMABLE_SQL} AND j.run_at <= p_now
        ORDER BY ${gk}, j.priority DESC, j.run_at, j.id LIMIT 1
      ) h
      WHERE p.lim > 0
      UNION ALL
      SELECT k.type, h.gk, h.id, h.priority, h.run_at
      FROM heads k
      CROSS JOIN LATERAL (
        SELECT ${gk} AS gk, j.id, j.priority, j.run_at FROM ${t} j
        WHERE j.type = k.type AND j.status IN ${CLAIMABLE_SQL} AND j.run_at <= p_now AND ${gk} > k.gk
        ORDER BY ${gk}, j.priority DESC, j.run_at, j.id LIMIT 1
      ) h
    ),
    lanes AS (
      SELECT h.type, h.gk, h.id AS head_id, h.priority AS head_priority, h.run_at AS head_run_at, p.lim, gs.last_turn,
             LEAST(
               p.lim,
               p.max_running_per_group - coalesce((p.running ->> h.gk)::bigint, 0),
               CASE WHEN p.rate_per_group THEN p.rate_limit - coalesce((p.recent ->> h.gk)::bigint, 0) END
             ) AS room
      FROM heads h
      JOIN plan p ON p.type = h.type
      LEFT JOIN ${G} gs ON gs.type = h.type AND gs.group_key = h.gk
    ),
    quota AS (
      SELECT l.type, GREATEST(0, min(l.lim) - count(*)) AS q
      FROM lanes l WHERE l.room > 0
      GROUP BY l.type
    ),
    sized AS (
      SELECT l.*, LEAST(l.room, q.q + 1) AS take
      FROM lanes l JOIN quota q ON q.type = l.type
      WHERE l.room > 0
    ),
    candidates AS (
      SELECT z.type, z.gk, z.lim, z.last_turn, z.head_id, z.head_priority, z.head_run_at,
             z.head_id AS id, z.head_priority AS priority, z.head_run_at AS run_at, 1 AS rn
      FROM sized z WHERE z.take > 0
      UNION ALL
      SELECT z.type, z.gk, z.lim, z.last_turn, z.head_id, z.head_priority, z.head_run_at,
             c.id, c.priority, c.run_at, 1 + row_number() OVER (PARTITION BY z.type, z.gk ORDER BY c.priority DESC, c.run_at, c.id)
      FROM sized z
      CROSS JOIN LATERAL (
        SELECT j.id, j.priority, j.run_at FROM ${t} j
        WHERE j.type = z.type AND ${gk} = z.gk AND j.status IN ${CLAIMABLE_SQL} AND j.run_at <= p_now
        ${byClaimOrder} OFFSET 1 LIMIT z.take - 1
      ) c
      WHERE z.take > 1
    ),
    sequenced AS (
      SELECT f.type, f.gk, f.id, f.priority, f.run_at, f.lim,
             row_number() OVER (
               PARTITION BY f.type
               ORDER BY f.rn, f.last_turn NULLS FIRST, f.head_priority DESC, f.head_run_at, f.head_id
             ) AS seq
      FROM candidates f
    ),
    plain AS (
      SELECT w.type, c.id, c.priority, c.run_at,
             row_number() OVER (PARTITION BY w.type ORDER BY c.priority DESC, c.run_at, c.id) AS seq
      FROM wanted w
      CROSS JOIN LATERAL (
        SELECT j.id, j.priority, j.run_at FROM ${t} j
        WHERE j.type = w.type AND j.status IN ${CLAIMABLE_SQL} AND j.run_at <= p_now
        ${byClaimOrder} LIMIT w.n
        FOR UPDATE SKIP LOCKED
      ) c
      WHERE w.type <> ALL(v_locked)
        AND NOT EXISTS (SELECT 1 FROM ${L} x WHERE x.type = w.type AND ${controlsClaimsSql('x')})
    ),
    pooled AS (
      SELECT p.type, p.id, p.priority, p.run_at, p.seq FROM plain p
      UNION ALL
      SELECT s.type, s.id, s.priority, s.run_at, s.seq FROM sequenced s WHERE s.seq <= s.lim
    ),
    merged AS (
      SELECT m.id, m.seq, max(m.r) OVER (PARTITION BY m.type ORDER BY m.seq ROWS UNBOUNDED PRECEDING) AS head
      FROM (SELECT p.*, row_number() OVER (ORDER BY p.priority DESC, p.run_at, p.id) AS r FROM pooled p) m
    ),
    chosen AS (
      SELECT j.id FROM ${t} j
      WHERE j.id IN (SELECT m.id FROM merged m ORDER BY m.head, m.seq LIMIT p_total)
        AND j.status IN ${CLAIMABLE_SQL}
      FOR UPDATE SKIP LOCKED
    ),
    updated AS (
      UPDATE ${t} j
      SET status = 'running', attempt = j.attempt + 1, lease_owner = p_owner, lease_expires_at = p_expires,
          started_at = p_now, updated_at = p_now
      FROM chosen c
      WHERE j.id = c.id AND j.status IN ${CLAIMABLE_SQL}
      RETURNING j.*
    ),
    counted AS (
      INSERT INTO ${S} AS s (type, started_at, group_key, starts)
      SELECT u.type, p_now, ${groupKeySql('u.group_name')}, count(*)
      FROM updated u JOIN plan p ON p.type = u.type
      WHERE p.rate_limit IS NOT NULL
      GROUP BY 1, 2, 3
      ON CONFLICT (type, started_at, group_key) DO UPDATE SET starts = s.starts + excluded.starts
    ),
    served AS (
      INSERT INTO ${G} (type, group_key, last_turn)
      SELECT u.type, ${groupKeySql('u.group_name')}, p.last_turn + max(s.seq)
      FROM updated u JOIN plan p ON p.type = u.type JOIN sequenced s ON s.id = u.id
      GROUP BY 1, 2, p.last_turn
      ON CONFLICT (type, group_key) DO UPDATE SET last_turn = excluded.last_turn
    ),
    pruned AS (
      DELETE FROM ${S} s USING plan p
      WHERE s.type = p.type AND p.rate_limit IS NOT NULL AND s.started_at <= p.since - (p_now - p.since)
    )
    SELECT u.* FROM updated u;
  END
  $claim$`;
}
