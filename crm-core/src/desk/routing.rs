//! Ticket routing (DOMAIN.md sections 2 and 9) as a pure choice: given a route, the agents'
//! state and the round-robin pointer, who gets the ticket and why.

use super::config::{Agent, DeskRoute, RouteStrategy};
use crate::ids::record_order;
use std::cmp::Ordering;

/// What routing knows of one agent at the moment of choosing.
#[derive(Debug, Clone, PartialEq)]
pub struct AgentLoad<'a> {
    pub agent: &'a Agent,
    pub active: bool,
    /// Unsolved tickets held now.
    pub open: u64,
}

impl AgentLoad<'_> {
    fn has_room(&self) -> bool {
        self.agent
            .capacity
            .is_none_or(|cap| self.open < u64::from(cap))
    }

    /// Capacity left as a share of capacity, in millionths (no capacity: all of it).
    fn room_share(&self) -> u64 {
        match self.agent.capacity {
            Some(cap) if cap > 0 => {
                (u64::from(cap).saturating_sub(self.open)) * 1_000_000 / u64::from(cap)
            }
            Some(_) => 0,
            None => 1_000_000,
        }
    }
}

/// The agent a route picks for a ticket with `tags`, or none when no agent of the group is
/// active, has capacity left and (for skill routes) has every tag. `pointer` is the last agent
/// round robin chose.
pub fn pick_agent<'a>(
    route: &DeskRoute,
    agents: &[AgentLoad<'a>],
    tags: &[String],
    pointer: Option<&str>,
) -> Option<&'a Agent> {
    let mut eligible: Vec<&AgentLoad<'a>> = agents
        .iter()
        .filter(|a| a.agent.group_id == route.group_id && a.active && a.has_room())
        .filter(|a| !route.skills || tags.iter().all(|t| a.agent.skills.contains(t)))
        .collect();
    eligible.sort_by(|a, b| record_order(&a.agent.user_id, &b.agent.user_id));
    let chosen = match route.strategy {
        RouteStrategy::RoundRobin => pointer
            .and_then(|p| {
                eligible
                    .iter()
                    .find(|a| record_order(&a.agent.user_id, p) == Ordering::Greater)
            })
            .or_else(|| eligible.first())
            .copied(),
        RouteStrategy::LeastOpen => eligible.iter().copied().min_by(|a, b| {
            a.open
                .cmp(&b.open)
                .then_with(|| record_order(&a.agent.user_id, &b.agent.user_id))
        }),
        RouteStrategy::Capacity => eligible.iter().copied().min_by(|a, b| {
            b.room_share()
                .cmp(&a.room_share())
                .then_with(|| record_order(&a.agent.user_id, &b.agent.user_id))
        }),
    };
    chosen.map(|a| a.agent)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::desk::TicketConditions;

    fn agent(id: &str, skills: &[&str], capacity: Option<u32>) -> Agent {
        Agent {
            user_id: id.into(),
            group_id: "t-1".into(),
            skills: skills.iter().map(|s| s.to_string()).collect(),
            capacity,
        }
    }

    fn route(strategy: RouteStrategy, skills: bool) -> DeskRoute {
        DeskRoute {
            name: "r".into(),
            conditions: TicketConditions::default(),
            group_id: "t-1".into(),
            strategy,
            skills,
        }
    }

    #[test]
    fn round_robin_goes_on_from_the_pointer_and_skips_the_unavailable() {
        let (a, b, c) = (
            agent("u-2", &[], None),
            agent("u-10", &[], Some(1)),
            agent("u-3", &[], None),
        );
        let loads = [
            AgentLoad {
                agent: &a,
                active: true,
                open: 0,
            },
            AgentLoad {
                agent: &b,
                active: true,
                open: 1,
            },
            AgentLoad {
                agent: &c,
                active: false,
                open: 0,
            },
        ];
        let r = route(RouteStrategy::RoundRobin, false);
        // u-3 is inactive and u-10 full: after u-2 it comes round to u-2 again.
        assert_eq!(
            pick_agent(&r, &loads, &[], Some("u-2")).unwrap().user_id,
            "u-2"
        );
        assert_eq!(pick_agent(&r, &loads, &[], None).unwrap().user_id, "u-2");
    }

    #[test]
    fn least_open_capacity_and_skills() {
        let (a, b) = (agent("u-1", &["vip"], Some(4)), agent("u-2", &[], Some(10)));
        let loads = [
            AgentLoad {
                agent: &a,
                active: true,
                open: 1,
            },
            AgentLoad {
                agent: &b,
                active: true,
                open: 3,
            },
        ];
        let least = route(RouteStrategy::LeastOpen, false);
        assert_eq!(
            pick_agent(&least, &loads, &[], None).unwrap().user_id,
            "u-1"
        );
        // u-1 has 3/4 left (75%), u-2 7/10 (70%).
        let cap = route(RouteStrategy::Capacity, false);
        assert_eq!(pick_agent(&cap, &loads, &[], None).unwrap().user_id, "u-1");
        let skilled = route(RouteStrategy::LeastOpen, true);
        let tags = ["vip".to_string()];
        assert_eq!(
            pick_agent(&skilled, &loads, &tags, None).unwrap().user_id,
            "u-1"
        );
        let tags = ["billing".to_string()];
        assert_eq!(pick_agent(&skilled, &loads, &tags, None), None);
    }
}
