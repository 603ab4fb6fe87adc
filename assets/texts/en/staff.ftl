## What staff read in the support chat, in STAFF_LANGUAGE (English unless
## set).
##
## Texts are Telegram HTML: write &lt; &gt; &amp; for < > &, and use only
## Telegram's tags (b, i, u, s, code, pre, a, tg-spoiler, blockquote). The
## values filled in ($name …) are escaped already. $number is a ticket's
## number (7 of #7), $day its day (2026-11-21). A message marked "plain
## text" is shown as it is written, with no tags.

## Tickets

# The ticket's card. $user: the user's name, linked to their profile;
# $handle: " @username", or nothing; $id: their Telegram id.
card =
    🎫 <b>#{ $number }</b> · { $day }
    From { $user }{ $handle } (id <code>{ $id }</code>)
    Reply to this card or to any message of the ticket to answer.
# Plain text: a ticket's forum topic; $name is the user's full name.
topic-name = #{ $number } · { $name }
user-edited = ✏️ The user edited this message of <b>#{ $number }</b>; now it reads:
closed-by = 🔒 <b>#{ $number }</b> closed by { $name }.
closed-by-user = 🔒 <b>#{ $number }</b> closed by the user.
# Closed by AUTO_CLOSE_AFTER; $after is a duration (3d 0h).
auto-closed = 🔒 <b>#{ $number }</b> closed automatically: the user had not answered for { $after }.
reopened-by = 🔓 <b>#{ $number }</b> reopened by { $name }.
already-closed = <b>#{ $number }</b> is already closed.
already-open = <b>#{ $number }</b> is already open.
user-has-other-ticket = Cannot reopen <b>#{ $number }</b>: the user has ticket <b>#{ $other }</b> open.
assigned = 👤 <b>#{ $number }</b> assigned to { $to } by { $by }.
note-saved = 📝 Note kept on <b>#{ $number }</b> (not sent to the user).
user-banned = ⛔ { $name } (ticket <b>#{ $number }</b>) is banned: their messages no longer reach staff.
user-unbanned = ✅ { $name } is no longer banned.

## Delivery

user-blocked-bot = ⛔ { $name } blocked the bot: nothing reaches them until they write again.
user-blocked-bot-ticket = ⛔ { $name } (ticket <b>#{ $number }</b>) blocked the bot: nothing reaches them until they write again.
# $reason: what Telegram answered.
undeliverable = ⚠️ A message to { $name } could not be delivered and was set aside: { $reason }. Send it again if it still matters.
undeliverable-ticket = ⚠️ A message to { $name } (ticket <b>#{ $number }</b>) could not be delivered and was set aside: { $reason }. Send it again if it still matters.

## Floods. $command opens the ticket (/ticket_20261121_7).

flooding =
    🐢 { $name } is writing more than { $limit ->
        [one] { $limit } message
       *[other] { $limit } messages
    } a minute: the rest of this minute's are kept on ticket <b>#{ $number }</b>, not posted here. { $command } lists them.
too-many-tickets =
    🐢 { $name } opened { $limit ->
        [one] { $limit } ticket
       *[other] { $limit } tickets
    } within an hour: for the rest of the hour their messages are kept on ticket <b>#{ $number }</b> without opening new ones. { $command } lists them.
# A digest: what the chat gets instead of one message each when it is busy.
digest-header =
    📥 <b>Busy: { $messages ->
        [one] { $messages } message
       *[other] { $messages } messages
    } in { $tickets ->
        [one] { $tickets } ticket
       *[other] { $tickets } tickets
    }</b>, gathered here to stay within Telegram's limits.
    Tap a ticket to see it and answer; a reply to this digest reaches no one.
# One ticket of a digest. $new: yes for a new ticket; $handle: " @username",
# or nothing; $preview: ": " and the start of its first message, or nothing.
digest-line =
    { $new ->
        [yes] 🆕
       *[no] 💬
    } { $command } · { $name }{ $handle }{ $messages ->
        [one] {""}
       *[other] {" "}({ $messages } messages)
    }{ $preview }
reply-to-digest = That digest lists several tickets: open one with its /ticket_… link, then reply to its card.

## The response clock. Durations are written by the duration-* messages.

reminder-first = ⏰ <b>#{ $number }</b> · { $name } has waited { $waited } for a first answer.
reminder = ⏰ <b>#{ $number }</b> · { $name } has waited { $waited } for an answer.
duration-days = { $days }d { $hours }h
duration-hours = { $hours }h { $minutes }m
duration-minutes = { $minutes }m
duration-seconds = { $seconds }s

## Ratings

# The user rated (⭐ 4/5 for #7).
rated = ⭐ { $score }/5 for <b>#{ $number }</b>
# The user changed their rating; $before is the earlier score.
rated-again = ⭐ { $score }/5 for <b>#{ $number }</b> (was { $before }/5)
rating-comment = 💬 The user's comment on ⭐ { $score }/5 for <b>#{ $number }</b>: { $text }

## Saved replies

snippet-saved = 💾 Saved reply <code>{ $name }</code> kept: send it with /s { $name } on a ticket.
snippet-deleted = 🗑 Saved reply <code>{ $name }</code> deleted.
no-such-snippet = There is no saved reply <code>{ $name }</code>: /snippets lists them.
snippet-too-long = A saved reply may be at most { $limit } characters long, with {"{"}name{"}"} and {"{"}ticket{"}"} filled in.
snippet-usage = Usage: /snippet add NAME TEXT (in the text, {"{"}name{"}"} is the user's first name and {"{"}ticket{"}"} the ticket's #N), /snippet del NAME; /s NAME as a reply to a ticket (or in its topic) sends it. A name is up to 32 of a-z, 0-9, _ and -.
no-snippets = No saved replies yet: /snippet add NAME TEXT keeps one.
snippets-header =
    <b>Saved replies</b> ({ $count }); send one with /s NAME on a ticket:
snippet-line = • <code>{ $name }</code> — { $text }
# What /s NAME sent, for staff to see.
snippet-sent =
    📤 Sent <code>{ $name }</code> to the user of <b>#{ $number }</b>:
    { $text }

## /unsend

unsend-usage = Use /unsend as a reply to an answer that reached a user: it is deleted from their chat.
unsent = 🗑 Unsent: the answer was deleted from the user's chat (the ticket keeps it, marked unsent).
already-unsent = That answer was unsent already.
unsend-not-delivered = That answer has not reached the user yet; try /unsend again in a moment.
unsend-too-old = Telegram lets a bot delete its messages for 48 hours only: that answer stays.

## /stats. $median, $p90 … are durations, or stats-none.

stats-usage = Usage: /stats (today), /stats week (the last 7 days), /stats month (the last 30 days).
stats-today = 📊 <b>Statistics for today ({ $day })</b>
stats-days = 📊 <b>Statistics for the last { $days } days ({ $first } – { $last })</b>
stats-figures =
    Tickets: { $opened } opened, { $closed } closed
    First response: median { $median }, 90th percentile { $p90 } ({ $answered } of the tickets opened answered)
    Time to close: median { $close }
    Reminders sent (waited past the first-response time): { $reminders }
# $average: with one decimal; $count: how many ratings.
stats-ratings = Ratings: ⭐ { NUMBER($average, minimumFractionDigits: 1, maximumFractionDigits: 1) } average of { $count }
stats-no-ratings = Ratings: none
stats-staff-header = <b>By staff member</b> (tickets answered; median first response of those they answered first):
stats-staff-line = • { $name } — { $answered }; { $median }
# No figure: nothing to measure.
stats-none = —

## /find. $query: what staff asked for, as typed; $page counts from 1.

find-usage = Usage: /find WORDS [@username] [#open] [YYYY-MM-DD] [page:N] — the tickets whose messages or notes hold every word, those where they were written last first.
found-nothing = 🔎 Nothing found for <code>{ $query }</code>{ $page ->
        [1] {""}
       *[other] {" "}on page { $page }
    }.
found-header = 🔎 Tickets with <code>{ $query }</code>, newest first — page { $page }:
# One ticket found: $command opens it; $text is its newest matching message
# around the words.
found-line =
    • { $command } · { $name }{ $handle } · { $status ->
        [open] open
       *[closed] closed
    }
      { $text }
found-more = More: /find { $query } page:{ $page }
# Plain text: the chart's words.
chart-title-today = Tickets and first response, { $day }
chart-title-days = Tickets and first response, { $first } – { $last }
chart-opened = tickets opened
chart-first-response = median first response
chart-minutes = median first response, minutes

## /export

export-usage = Usage: /export (today), /export week (the last 7 days), /export month (the last 30 days): the tickets as a CSV file. For more, ticketbot export on the server.
# Under the file; $count tickets of the days $first to $last.
export-caption =
    📤 { $count ->
        [one] { $count } ticket
       *[other] { $count } tickets
    }, { $first } – { $last }
export-too-big = The export is larger than Telegram takes from a bot: run ticketbot export on the server.

## /forget: erasing a user on request

# $name: the user's full name.
forget-confirm = 🗑 Erase { $name } (ticket <b>#{ $number }</b>)? Their name, username, every message of their tickets (both ways, notes too), their rating comments and what the bot kept of them go for good; their tickets keep number, day, times and rating.
# Plain text: the buttons under it.
button-forget = Erase
button-forget-topics = Erase and delete their topics
button-cancel = Cancel
forget-cancelled = Not erased: <b>#{ $number }</b>'s user stays as they were.
forget-done =
    🗑 Erased the user of <b>#{ $number }</b>: their name and username, { $texts ->
        [one] { $texts } message text
       *[other] { $texts } message texts
    }, { $updates ->
        [one] { $updates } raw update
       *[other] { $updates } raw updates
    }, { $outbox ->
        [one] { $outbox } sent message kept
       *[other] { $outbox } sent messages kept
    }. Their tickets keep number, day, times and rating.
forget-gone = There is nobody left to erase for <b>#{ $number }</b>.
# Plain text: shown on a button someone who is no admin pressed.
press-admins-only = Only the group's admins can do this.

## /open and /ticket

reply-to-no-ticket = This message belongs to no ticket: reply to a ticket's card or to one of its messages.
command-needs-ticket = Use /{ $command } as a reply to a ticket's card or message.
admins-only = /{ $command } is for the group's admins.
unknown-staff = I don't know @{ $username } yet: they need to answer a ticket once first.
assign-usage = Usage: /assign @username, as a reply to a ticket (or /assign @username #N).
note-usage = Usage: /note text, as a reply to a ticket (or /note #N text).
no-such-ticket = There is no ticket { $reference }.
no-open-tickets = No open tickets. 🎉
open-header = 📋 <b>Open tickets</b> — { $total } in all, page { $page }/{ $pages }
# One open ticket. $who: the user's name (and @username); $age: how long it
# has been open; $assignee: who has it, or nobody.
open-line = <b>#{ $number }</b> · { $day } · { $age } · { $who } → { $assignee }
open-line-waiting = ⏳ waiting { $waited } · <b>#{ $number }</b> · { $day } · { $age } · { $who } → { $assignee }
nobody = nobody
open-more = More: /open { $page }
# $status: open or closed.
history-header =
    🎫 <b>#{ $number }</b> · { $day } · { $status ->
        [open] open
       *[closed] closed
    } · { $name }
# A long ticket's history lists only its latest messages. $forum: yes when
# the chat is a forum.
history-earlier =
    … { $count ->
        [one] { $count } earlier message is
       *[other] { $count } earlier messages are
    } not listed: they are { $forum ->
        [yes] in the ticket's topic
       *[no] in this chat, as replies to the ticket's card
    }, where each arrived.
# One message of a ticket's history: $time (11-21 09:00), $who (👤 the
# user, 🎧 staff, 🗑 unsent, 📝 a note), $text.
history-line = <code>{ $time }</code> { $who }: { $text }
# Plain text: in place of a message with no text.
history-media =
    {"["}{ $kind ->
        [photo] photo
        [document] file
        [video] video
        [voice] voice message
        [audio] audio
        [sticker] sticker
        [animation] animation
        [video_note] video message
        [location] location
        [contact] contact
        [text] text removed
       *[other] message
    }]

## /help

help =
    <b>ticketbot</b> — answering tickets
    • Reply to a ticket's card or to any of its messages: your reply reaches the user (text, media, files).
    A ticket can also be named as <code>#N</code> (today) or <code>YYYY-MM-DD#N</code> instead of replying:
help-line = • /{ $command } — { $description }

## The command menu of the support chat (plain text, 3 to 256 characters).

menu-close = Close a ticket (the user is told)
menu-reopen = Reopen a ticket
menu-take = Assign a ticket to yourself
menu-assign = Assign a ticket to a colleague: /assign @name (admins)
menu-note = Keep a note on a ticket; never sent to the user
menu-open = Open tickets, those waiting for an answer first: /open [page]
menu-ticket = A ticket's card and history: /ticket #N
menu-ban = Stop a ticket's user: nothing they send reaches staff (admins)
menu-unban = Allow a banned user again (admins)
menu-stats = The desk's figures, with a chart: /stats [day|week|month]
menu-find = Tickets whose messages hold words: /find WORDS [@user] [#open] [date]
menu-export = The period's tickets as a CSV file: /export [day|week|month] (admins)
menu-forget = Erase a ticket's user: their name and every text, after you confirm (admins)
menu-unsend = Delete an answer from the user's chat: reply to it with /unsend
menu-s = Send a saved reply to the ticket's user: /s NAME
menu-snippet = Saved replies: /snippet add NAME TEXT ({"{"}name{"}"}, {"{"}ticket{"}"} filled in), /snippet del NAME
menu-snippets = List the saved replies
menu-help = How to answer tickets

## The web console

# A reply written in the web console (or sent through the API), for staff to see.
web-reply-sent =
    💬 { $name } answered <b>#{ $number }</b> from the web:
    { $text }
