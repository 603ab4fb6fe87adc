## What users read in their private chat with the bot. A user reads the
## language of their Telegram app when there is a folder for it, English
## otherwise.
##
## Texts are Telegram HTML: write &lt; &gt; &amp; for < > &, and use only
## Telegram's tags (b, i, u, s, code, pre, a, tg-spoiler, blockquote). The
## values filled in ($name …) are escaped already. $number is a ticket's
## number (7 of #7), $day its day (2026-11-21). A message marked "plain
## text" is shown as it is written, with no tags.

# /start and /help: how it works. It names every command of the menu.
greeting =
    👋 Hello! Write your question here — text, photos, files or voice — and our support team will answer in this chat.

    Every conversation gets a ticket number. /status shows your open ticket, /close closes it, /new starts a new one, /help shows this again.

ticket-opened = ✅ Ticket <b>#{ $number }</b> of { $day } is open. We will answer here; just add anything else you want us to know.

# Told once a minute to a user who writes too fast; nothing is lost.
slow-down = 🐢 You are writing faster than we can read. Everything you send is kept on your ticket; please wait a minute before writing more.

# Told once an hour when a message would open one ticket too many; $limit is
# how many tickets an hour a user may open.
too-many-tickets =
    🐢 You have opened { $limit ->
        [one] { $limit } ticket
       *[other] { $limit } tickets
    } in the last hour. Your message is kept on your latest one; please write again later to open a new ticket.

status-open = Your ticket <b>#{ $number }</b> of { $day } is open.
no-open-ticket = You have no open ticket. Write a message to open one.
closed = Ticket <b>#{ $number }</b> of { $day } is closed. Write again any time to open a new one.
new-ticket-prompt = Write your new question: it will open a new ticket.

# After a close (CSAT): five star buttons follow.
rating-question = How did we do with ticket <b>#{ $number }</b> of { $day }? Tap a star: 1 is poor, 5 is great.
# The question once a star is tapped; $stars is ⭐ $score times.
rated = Thank you! You rated ticket <b>#{ $number }</b> of { $day }: { $stars } ({ $score }/5). Tap another star to change it. Anything to add? Write it here within a few minutes.
# Plain text: shown briefly on the tapped star.
rating-thanks = Thank you for rating us!
comment-kept = 📝 Thank you, your comment is added to your rating. Write again to open a new ticket.

# Outside WORKING_HOURS, once per ticket, when the hours never open again.
away = 🌙 Our team is away right now. Your message is kept on your ticket; we will answer here.
# Outside WORKING_HOURS, once per ticket: $back is one of the back-* below.
away-until = 🌙 Our team is away right now and will be back { $back }. Your message is kept on your ticket; we will answer here.
# $time is the opening time as WORKING_HOURS writes it (09:00).
back-today = today at { $time }
back-tomorrow = tomorrow at { $time }
# $weekday: mon, tue, wed, thu, fri, sat or sun.
back-on =
    { $weekday ->
        [mon] on Monday
        [tue] on Tuesday
        [wed] on Wednesday
        [thu] on Thursday
        [fri] on Friday
        [sat] on Saturday
       *[sun] on Sunday
    } at { $time }

banned = Sorry, support is not available to you.

## The command menu of the private chat (plain text, 3 to 256 characters).

menu-start = How this works
menu-status = Your open ticket
menu-close = Close your ticket
menu-new = Close it and start a new one
menu-help = How this works
