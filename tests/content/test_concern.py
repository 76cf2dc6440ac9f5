"""Live concerns: current worries are spotted; learning about past cases is not."""

import pytest

from content.concern import reads_like_live_concern


@pytest.mark.parametrize("text", [
    "I'm worried about the little boy at number 4 tonight",
    "I am really concerned about her going home tonight",
    "We're worried about a child on our caseload right now",
    "The baby is at risk now",
    "He is not safe tonight",
    "She is currently at risk from her stepfather",
    "A girl disclosed to me this morning that she is being hit",
    "Today, the child is in danger",
    "I need to make a referral about this family",
    "Should we refer this to SPoA?",
    "He told us yesterday that he doesn't want to go home",
])
def test_current_worries(text):
    assert reads_like_live_concern(text)


@pytest.mark.parametrize("text", [
    "We learnt that a strategy discussion should be held in cases of teenage domestic abuse.",
    "In the audited cases the children were at risk of significant harm.",
    "We would consider a referral for a Home Safety Visit where there is hoarding.",
    "We were concerned that the plan was not updated when support was declined.",
    "Now we invite the police formally to every strategy discussion.",
    "Today's meeting agreed to update the child's plan when support is declined.",
    "Professionals should record the child's views at every visit.",
    "We have made two referrals for home safety visits this year.",
    "Currently our team reviews every case after 12 weeks.",
])
def test_learning_is_not_a_live_concern(text):
    assert not reads_like_live_concern(text)
