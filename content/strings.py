"""What the bot says in text replies, in one place."""

from __future__ import annotations

from .text import plural, quote

WELCOME_LINKED = (
    "Hello {team}. I carry learning briefings from the {board} to this team, and your team's "
    "responses back as minutes for {organisation}'s safeguarding lead. Mention me with **help** to see what I can do."
)
LINKED = "This team is now linked to **{organisation}**. Minutes will go to {leads}."
UNKNOWN_ORGANISATION = "I don't know that organisation. Choose one from the list, or ask the board to add it to the directory."
CHOOSE_ORGANISATION = "Choose an organisation from the list, then select Save."
ORGANISATION_KEPT = "Nothing changed: this team is still part of **{organisation}**."
ORGANISATION_CHANGED_MEANWHILE = ("Someone changed this team's organisation since that question was asked, so "
                                  "nothing was moved. Here is the question again.")
NOT_IN_TEAM = "That only works in a team channel. Add me to a team and mention me there."
LINK_FIRST = (
    "Before the minutes can go anywhere, tell me which organisation this team belongs to. "
    "Everything recorded so far is kept ({responses})."
)
WRONG_TEAM = "That form belongs to another team's discussion, so I have not recorded anything."
UNKNOWN_DISCUSSION = "I can't find that discussion any more. {ask} to see what is open."
ALREADY_CLOSED = "The minutes for this discussion were sent on {date}; it is closed, so nothing more can be added."
EMPTY_SUBMISSION = "Nothing to record: type the team's response in at least one box, then select Submit responses."
TOO_LONG = "One response is longer than {limit} characters. Please shorten it and submit again; nothing was recorded."
NOTHING_TO_CLOSE = "No responses have been recorded yet. Use **Record responses** on the briefing first."
CLOSE_CANCELLED = "The discussion stays open. Add more responses and close it when you're ready."
CLOSED = "Discussion closed by {name}. Sending the minutes to {leads}."
IMPACT_QUESTION_PLANNED = " On {date} I'll ask here whether this learning has changed anything in your practice."
CLOSE_ORGANISATION_CHANGED = ("This team's organisation changed since that preview, so nothing was sent. "
                              "Check the minutes again before they go.")
ALREADY_POSTED = "**{title}** was already posted in this team on {date}. Scroll up to its thread, or mention me with **status**."
POSTING = "Posting **{title}** here as a new thread now."
UNKNOWN_BRIEFING = "There is no briefing with the id '{id}'. {ask} to see them all."
OLD_BUTTON = "That button is from an older version of this card. {ask} to see what I can do."
BRIEFING_ID_NEEDED = "Which briefing? For example: **{command} {example}**."
STAFF_ONLY = (
    "Sorry, only {board} staff can publish briefings. If you think you should be able to, "
    "ask the board to add you to its directory."
)
FILES_STAFF_ONLY = ("Thanks, but I only take files from {board} staff, who send me new briefings. To share a "
                    "document with your team, post it in your team's channel.")
WORD_ONLY = ("I can only read Word documents (.docx). Open the briefing in Word, save it as a Word Document "
             "(.docx), and attach that.")
ONE_FILE_AT_A_TIME = "I'll read {name}, the first Word document attached. Attach others one at a time."
ALREADY_PUBLISHED = ("**{title}** has already been published, so it can't be changed. To send teams a revised "
                     "briefing, change its title or the date under it, and attach it again.")
PREVIEW_INTRO = ("Here is the card teams will get. Its buttons work, but nothing you do on it is recorded or "
                 "sent to anyone.")
TEST_INTRO = "A test, as a team gets it. Try its buttons: nothing is recorded or sent to anyone."
NOTHING_PENDING = "There's no new version waiting to replace a draft. Attach the Word document again."
DRAFT_REPLACED = "The draft of **{title}** now holds the new version."
DRAFT_KEPT = "Kept the current draft. The new version was not saved."
DRAFT_DISCARDED = "Discarded the draft of **{title}**. Nothing was sent to anyone."
DRAFT_GONE = "That draft no longer exists. Say **drafts** to see the ones there are."
NO_ROUTE = "their organisation's safeguarding referral route"
TEST_EMPTY = "Test only: with nothing typed, a team member would be asked to write a response first."
TEST_AT_RISK = ("Test only: a team member who ticks \u201ca child at risk now\u201d is told to contact {route} now "
                "(or 999), and nothing is recorded.")
TEST_HELD = ("Test only, nothing recorded: that reads like a live worry about a child, so a team member would "
             "first be asked whether it is one, and pointed to {route}.")
TEST_RECORDED = "Test only, nothing recorded. A team member would see: \u201cThanks, {name}: {count} recorded.\u201d"
TEST_FINDINGS = "They would then be asked to check it, as it looks like it contains {kinds}."
TEST_BUTTONS = {
    "my_responses": "Test only: a team member would see the responses they recorded, to change or withdraw until "
                    "the minutes are sent.",
    "close": "Test only: the team would see its minutes to check, then confirm to send them to its "
             "organisation's safeguarding lead.",
    "show_thread": "Test only: a team member would be back at the briefing's card.",
}
TEST_OTHER = "Test only: nothing recorded."
CHOOSE_AUDIENCE = "Choose who to send it to."
AUDIENCE_MISMATCH = ("you chose organisations or teams, but \u201cSend to\u201d says all registered teams. Choose "
                     "\u201cThe organisations chosen below\u201d or \u201cThe teams chosen below\u201d to send it "
                     "to those only, or clear them.")
CHOOSE_ORGANISATIONS = "choose at least one organisation, or send it to all registered teams."
CHOOSE_TEAMS = "choose at least one team (type part of its name), or send it to all registered teams."
SEND_AT_UNREADABLE = "I couldn't read the date and time to send it at. Pick them again."
SEND_AT_PAST = "{when} has passed. Pick a later time, or leave the date empty to send it now."
SEND_AT_TOO_FAR = "that is more than a year away. Pick a date within the next twelve months."
PUBLISH_HAS_IDENTIFIERS = ("the briefing contains what looks like {found}. If none of it identifies a child or "
                           "family, press \u201cPublish anyway: it identifies nobody\u201d.")
REQUEST_PENDING = ("**{title}** already has a request to publish it ({state}). It can be cancelled from its card, "
                   "then asked for again.")
NO_OTHER_APPROVER = ("Publishing needs a second person's approval, and the directory lists no approver but you. "
                     "Ask the board to add another approver.")
SENT_FOR_APPROVAL = "Sent to {approvers} to approve. You'll hear here when it is approved or rejected."
SCHEDULED = "**{title}** will be sent on {when} (UK time). Until then you can cancel it here."
APPROVERS_ONLY = "Sorry, only the {board}'s approvers can approve or reject publishing."
REQUEST_GONE = "This request has been withdrawn or replaced by a newer one, so there is nothing to decide."
ALREADY_DECIDED = "This request has already been {state} by {who}."
DECIDED = {"publishing": "approved", "scheduled": "approved", "rejected": "rejected", "cancelled": "cancelled"}
NOT_YOUR_OWN = "You asked for this one, so another approver must approve or reject it."
REASON_NEEDED = "Say why you're rejecting it (the person who asked will see this), then press Reject."
YOU_APPROVED = "You approved publishing **{title}** on {when}."
YOU_REJECTED = "You rejected publishing **{title}**. The person who asked has been told why."
APPROVED_SENDING = "{who} approved publishing **{title}**. It is on its way to {teams}."
APPROVED_SCHEDULED = "{who} approved publishing **{title}**. It will be sent on {when} (UK time)."
REJECTED = "{who} rejected publishing **{title}**, so nothing was sent. Their reason: \u201c{reason}\u201d"
NOTHING_TO_CANCEL = "There is nothing waiting to be cancelled: it has been sent, or cancelled already."
REQUEST_CANCELLED = "Cancelled. Nothing was sent."
STATUS_SENDING = "Sending: {sent} of {teams} reached so far."
STATUS_DONE = "Sent. It reached {sent} of {teams}."
STATUS_ALL_DONE = "Sent. It reached every team it was sent to: {teams}."
RETRYING = "Trying the failed ones again: {count}."
NOTHING_TO_RETRY = "Nothing failed, so there is nothing to try again."
CORRECTION_EMPTY = "Write the correction, then press Send the correction."
CORRECTION_TOO_LONG = "A correction can be at most {limit} characters: it is shown at the top of every team's card."
BRIEFING_CORRECTION_IDENTIFIERS = ("The correction looks like it contains {kinds}. It goes to every team, so leave "
                                   "it out and send it again; nothing was sent.")
CORRECTION_AFTER_MINUTES = "The board has corrected this briefing since your team sent its minutes: {note}"
CHANGED_SINCE = ("**{title}** changed after it was asked to be published, so it was not sent: what goes out is "
                 "what was checked. Publish it again from its new preview.")
CANCEL_UNTIL = "Until then you can cancel it here."
NOTHING_NEW = "Nothing new was sent: the teams it was meant for ({teams}) had it already."
REQUEST_OPEN = ("**{title}** has a request to publish it ({state}), so this version can't replace it. Cancel the "
                "request on its card first.")
SCHEDULED_SENT = "It's time: **{title}** is on its way to {teams}."
MEETING_DATE_UNREADABLE = "I couldn't read the meeting date. Choose it again, then Confirm and send."
MEETING_DATE_FUTURE = "The meeting date is in the future. Choose the day the team discussed it."
MEETING_DATE_OLD = "The meeting date is more than a year ago. Choose the day the team discussed it."
PUBLISH_CANCELLED = "Not published. Nothing was sent."
PUBLISH_NO_TEAMS = "No registered team matches that choice, so nothing was sent."
MEETING_ENDED = (
    "The meeting has ended. When the team's responses to **{title}** are recorded, select **Close and send minutes** "
    "on the briefing's thread to send the minutes to {leads}."
)
OUTSTANDING_REFUSED = "Only board staff and safeguarding leads can see which teams are outstanding."
DISCARDED = "Not recorded. Thank you for acting on it."
RECORDED_AS_LEARNING = "Recorded as learning for the minutes."
HELD_FOR_SOMEONE_ELSE = "Only the person who wrote that response can choose what happens to it. Nothing was recorded."
FINDINGS_CONFIRMED = "Thanks: {count} kept as written in the minutes."
CORRECTION_HAS_IDENTIFIERS = ("The correction looks like it contains {kinds}. Corrections go straight to the "
                              "safeguarding lead, so please leave it out and send it again; nothing was sent.")
ACTIONS_LEADS_ONLY = ("The list of agreed actions is for safeguarding leads: it shows their organisation's teams' "
                      "actions. Board staff can say **report** followed by a briefing id.")
FOLLOW_UP_GONE = "Those actions are no longer kept (the board's retention period), so there is nothing to answer."
NOT_THE_LEAD = "Only a safeguarding lead of the team's organisation can mark these minutes as received."
ACKNOWLEDGED = "{name} (safeguarding lead, {organisation}) received the minutes on {when}."
RECEIVED = "Received by you on {when}."
REPLY_EMPTY = "Write your reply, then press Send the reply."
REPLY_TOO_LONG = "A reply can be at most {limit} characters."
REPLY_HAS_IDENTIFIERS = ("Your reply looks like it contains {kinds}. It goes into the team's channel, so leave it "
                         "out and send it again; nothing was sent.")
LEAD_REPLIED = "{name} (safeguarding lead, {organisation}) replied about the minutes: {reply}"
REPLY_SENT = "Your reply is on its way to {team}'s thread."
THANKS_RECEIVED = "Thanks. {team} can see on its thread that you have received the minutes."
BUNDLE_GONE = "I no longer have the minutes in that bundle (they are kept for a limited time)."
BUNDLE_RECEIVED = "Received by you on {when}. Each team can see it on its thread."
MINUTES_LEADS_ONLY = "Choosing how minutes arrive is for safeguarding leads the board's directory lists with their Teams account."
MINUTES_CHOICE_NOW = ("{now} Say **minutes daily** for one bundle each working day, or **minutes each** to have "
                      "each team's minutes as they are sent.")
EACH_CHOICE = "You get each team's minutes as soon as it sends them."
EACH_CHOSEN = ("Done: from now on you get each team's minutes as soon as it sends them. Minutes that were "
               "waiting for your bundle come within a quarter of an hour.")


def daily_choice(when: str, mail: bool) -> str:
    what = "a card here and one email with each team's Word document" if mail else "a card here"
    return (f"You get one bundle of minutes each working day at 8am (UK time): {what}. The next is due {when}, "
            "if any team sends minutes before then.")


def bundled(name: str, when: str) -> str:
    return f"The minutes will reach {name} in their daily bundle of minutes {when}."
REPORT_REFUSED = "Sorry, reports are for board staff and safeguarding leads."
DIGEST_LEADS_ONLY = ("The digest is for safeguarding leads. Board staff can say **report** followed by a "
                     "briefing's id.")
NOT_CLOSED_YET = "That is for minutes already sent; this discussion is still open."
BAD_PRESENT = "How many were present should be a whole number from 1 to 500. Nothing was recorded; please try again."
EMPTY_CORRECTION = "Write the correction in the box, then select Send the correction."
CORRECTION_SENDING = "Correction recorded. Sending it to {leads} as an addendum to the minutes."
ATTRIBUTION_LABEL = {"name": "by name (each response shows who recorded it)",
                     "team": "as the team's (no names in the minutes)"}
ATTRIBUTION_NOW = ("This team's minutes attribute responses {now}. Mention me with **attribution names** or "
                   "**attribution team** to change it.")
ATTRIBUTION_SET = "From now on this team's minutes attribute responses {now}."
# Where a card would link to a page on the bot's server and no link can be made (the operator is told in the log).
NO_LINK_LIST = ("The full list can't be linked from this chat at the moment. Ask the board's administrator to "
                "turn on links to the bot's pages.")
NO_LINK_REPORT = ("The full report can't be linked from this chat at the moment. Ask the board's administrator "
                  "for it, or to turn on links to the bot's pages.")


def ask(scope: str, command: str) -> str:
    """How to give `command` where the user is: in a channel or a group chat the bot hears only an
    @mention; in a personal chat there is no mention to make."""
    return f"Say **{command}**" if scope == "personal" else f"Mention me with **{command}**"


def unknown_briefing(briefing_id: object, scope: str) -> str:
    return UNKNOWN_BRIEFING.format(id=quote(briefing_id), ask=ask(scope, "briefings"))


def personal_only(command: str) -> str:
    return (f"I answer **{command}** only in a personal chat with me, as what it shows is for you: "
            "open a chat with me and say it there.")


def unknown_discussion(scope: str) -> str:
    return UNKNOWN_DISCUSSION.format(ask=ask(scope, "briefings"))


def old_button(scope: str) -> str:
    return OLD_BUTTON.format(ask=ask(scope, "help"))


def organisation_change(sent: list[tuple[str, int]], open_count: int, leads: str) -> list[str]:
    """What moving a team to another organisation changes: minutes already sent stay where they went
    (`sent`: organisation name and how many discussions), the rest go to the new one's `leads`."""
    lines = [f"Minutes already sent to {name} ({plural(count, 'discussion')}) stay with {name}: "
             "its safeguarding lead keeps them, and corrections to them go there too." for name, count in sent]
    if open_count:
        its = "its" if open_count == 1 else "their"
        lines.append(f"The {plural(open_count, 'open discussion')} will send {its} minutes to {leads}, "
                     "as will every discussion from now on.")
    else:
        lines.append(f"From now on this team's minutes go to {leads}.")
    return lines


def recorded(name: str, added: int, total: int) -> str:
    who = f", {quote(name)}" if name else ""
    return f"Thanks{who}: {plural(added, 'response')} recorded. The team has {plural(total, 'response')} so far."


def already_recorded(total: int) -> str:
    return f"Those responses were already recorded. The team has {plural(total, 'response')} so far."


def word_problems(name: str, problems: list[str]) -> str:
    """Why a Word document did not become a draft, each problem with its fix."""
    if len(problems) == 1:
        return f"I couldn't make a briefing from {name}. {problems[0]}"
    return f"I couldn't make a briefing from {name}:\n\n" + "\n".join(f"- {p}" for p in problems)


def plain_reason(last_error: str | None) -> str:
    """Why a briefing did not reach a team, for the board staff who sent it (the worker's reason is
    for operators: an HTTP status, an exception's name)."""
    reason = last_error or ""
    if "removed" in reason or reason == "HTTP 403":
        return "the bot was removed from this team, or Teams no longer lets it post there"
    if reason == "HTTP 404":
        return "Teams couldn't find the team's General channel (it may have been deleted)"
    if reason in ("HTTP 401", "HTTP 400", "HTTP 413"):
        return "Teams refused the bot's message: tell whoever runs the bot"
    if reason.startswith("HTTP 429") or reason.startswith("HTTP 5"):
        return "Teams was too busy or unavailable, after several tries"
    if reason.startswith("HTTP"):
        return f"Teams didn't accept it ({reason})"
    return "Teams couldn't be reached, after several tries"


def briefing_corrected(threads: int, replies: int) -> str:
    text = f"Correction sent: the briefing's card shows it in {plural(threads, 'team')}' threads".replace(
        "team' threads", "team's thread")
    if replies:
        text += (f"; {plural(replies, 'team')} that had already sent "
                 f"{'its' if replies == 1 else 'their'} minutes also {'gets' if replies == 1 else 'get'} it as a reply")
    return text + "."


def published(title: str, queued: int, skipped: int) -> str:
    text = f"Publishing **{title}** to {plural(queued, 'team')}."
    if skipped:
        text += f" {plural(skipped, 'team')} already had it and will not get it twice."
    return text


def forwarded(what: str, parts: list[str], failures: list[str]) -> str:
    """'Minutes sent to ...' or 'Correction sent to ...', and any that failed."""
    lines = []
    if parts:
        lines.append(f"{what.capitalize()} sent to " + "; ".join(parts) + ".")
    if failures:
        lines.append(f"Could not send the {what} to " + "; ".join(failures) + ". The board's administrator can see why.")
    return " ".join(lines)


def recorded_for_team(name: str, added: int, total: int) -> str:
    who = f", {quote(name)}" if name else ""
    return (f"Thanks{who}: {plural(added, 'response')} recorded as the team's agreed answers. "
            f"The team has {plural(total, 'response')} so far.")


def edited(edited_count: int, withdrawn: int) -> str:
    if not edited_count and not withdrawn:
        return "Nothing changed."
    parts = [f"{plural(edited_count, 'response')} updated" if edited_count else "",
             f"{plural(withdrawn, 'response')} withdrawn" if withdrawn else ""]
    return " and ".join(p for p in parts if p).capitalize() + "."


def reminder(title: str, posted: str, discuss_by: str | None, leads: str) -> str:
    when = f"posted on {posted}" + (f", to discuss by {discuss_by}" if discuss_by else "")
    return (f"A reminder: your team hasn't discussed **{title}** yet ({when}). Talk it through in your next "
            f"team meeting, record the team's responses on this thread, then close it to send the minutes to {leads}.")
