"""The file formats the pure functions take as text: business calendars, RFM configurations and
commission plans, all TOML. Errors name the problem (and the calendar line) as
`crm.InvalidInputError`. Decimals are TOML strings (``"1.5"``) or integers, never floats.

Business calendar (``calendar=`` of `crm.sla_due`, `crm.sla_due_batch`, `crm.sla_elapsed`,
`crm.sla_working_at`, `crm.sla_ticket_status`)::

    timezone = "Asia/Shanghai"          # IANA name
    [week]                              # local wall-clock intervals per weekday; absent day = closed
    mon = ["09:00-12:00", "13:30-18:00"]
    sat = []
    sun = ["22:00-06:00"]               # end <= start: runs overnight, belongs to the day it starts
    [[holiday]]
    date = "2026-10-01"                 # the whole local day is off
    [[holiday]]
    date = "2026-12-31"
    off = ["13:30-18:00"]               # only this part of the day is off
    [[workday]]                         # 调休: this date works these hours whatever its weekday says
    date = "2026-09-27"
    hours = ["09:00-12:00", "13:30-18:00"]

``24:00`` may end an interval. A target that runs out exactly at a closing time is due then, not
at the next opening; a clock started outside working hours counts from the next working instant.
Wall-clock times that do not exist (DST gap) are skipped, repeated ones count once per instant.

RFM configuration (``config=`` of `crm.rfm_score`; without it: quantile buckets, k = 5, weights 1,
the 125-code segment map)::

    method = "thresholds"          # or "quantile" (default)
    buckets = 5                    # quantile buckets
    window_days = 365              # F and M count orders in this window (default: all)
    segment_map = "codes"          # "codes" (125 R,F,M codes) or "grid" (25 R x FM cells)
    [weights]                      # score = r*R + f*F + m*M
    r = 4
    f = 8
    m = 8
    [thresholds]                   # the first break point that holds gives the points, else 1
    recency = [[30, 5], [90, 4], [180, 3], [365, 2]]     # at most N days -> points
    frequency = [[5, 5], [4, 4], [3, 3], [2, 2]]         # at least N orders -> points
    monetary = [["50000", 5], ["20000", 4], ["5000", 3]] # at least this amount -> points
    [[levels]]                     # the highest level whose min_score the score reaches
    min_score = 80
    name = "VIP1"
    [segments]                     # replaces the default map (3-digit codes or 2-digit cells)
    Champions = ["555", "554"]

Commission plan (``plan_toml=`` of `crm.commission_statement` and `Crm.commission_statements`; the
same fields as `crm.CommissionPlan`, which may be passed instead as ``plan=``). Rates, splits and
attainments are percentages::

    name = "Field sales 2026"
    base = "booked"                # or "collected" (cash, 回款)
    period = "month"               # or "quarter"
    deal_cap = "6000"              # also deal_floor, period_cap, period_floor
    clawback_days = 90             # refunds and cancellations within this many days claw back
    boundary = "lower"             # a total exactly on a tier boundary: "lower" (default) or "upper"
    [rates]                        # type = "flat" (rate), "per_deal" (amount), "graduated" or
    type = "graduated"             # "retroactive" (tiers: from 0, no gaps, only the last open)
    [[rates.tiers]]
    lower = "0"
    upper = "100000"
    rate = "3"
    [[rates.tiers]]
    lower = "100000"
    rate = "5"
    [quota]                        # attainment = period base / quota
    default = "200000"
    [quota.reps]
    u-7 = "150000"
    [[bands]]                      # the highest band reached multiplies the period's commission
    min_attainment = "120"
    multiplier = "1.25"
    [gate]                         # below min_attainment the commission is multiplied by factor
    min_attainment = "25"
    factor = "0"
    [draw]                         # recoverable: the shortfall is recovered from later earnings
    amount = "2000"
    recoverable = true
    [rounding]                     # per line, the total exact (default: half_even to 2 places)
    scale = 2
    mode = "half_up"               # half_even, half_up, half_down, down (toward 0), up (away)
"""
