"""A field device in Python for the sync story (sync_story.mjs): one process per step, its replica
in a SQLite file. Prints one JSON line for the story to check.

    sync    URL TOKEN FILE DEVICE   syncs (the first time: the whole scope); a failure to reach
                                    the server is reported, not raised
    offline URL TOKEN FILE DEVICE N creates N customers, each with a follow-up, with no network
    state   URL TOKEN FILE DEVICE   what the replica holds
"""

import json
import sys

import crm


def main() -> None:
    step, url, token, path, device = sys.argv[1:6]
    remote = crm.RemoteCrm(url, token, timeout=30.0)
    user = remote.me.id
    replica = crm.Replica(path, user_id=user, device_id=device)
    if step == "sync":
        try:
            summary = replica.sync(remote)
            out = {"ok": True, "applied": summary.applied, "rejected": summary.rejected}
        except crm.CrmError as e:
            out = {"ok": False, "code": e.code, "error": type(e).__name__}
        out["outbox"] = len(replica.outbox())
    elif step == "offline":
        for i in range(int(sys.argv[6])):
            created = replica.create_customer("", name=f"巡检客户 {i:04d}", region="苏州")
            replica.record_follow_up("", created.customer.id, crm.NewFollowUp(channel="visit", note=f"visit {i}"))
        out = {"outbox": len(replica.outbox())}
    elif step == "state":
        mine = [c for c in replica.customers("") if c.name.startswith("巡检客户")]
        out = {
            "customers": len(mine),
            "distinct_names": len({c.name for c in mine}),
            "local_ids": sum(1 for c in mine if int(c.id.split("-")[1]) >= 10**12),
            "follow_ups": sum(len(replica.follow_ups("", c.id)) for c in mine),
            "outbox": len(replica.outbox()),
            "rejections": [r.code for r in replica.rejections()],
        }
    else:
        raise SystemExit(f"unknown step {step}")
    print(json.dumps(out))


if __name__ == "__main__":
    main()
