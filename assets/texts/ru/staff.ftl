## Что читают сотрудники в чате поддержки, когда STAFF_LANGUAGE=ru
## (см. en/staff.ftl).

## Обращения

card =
    🎫 <b>#{ $number }</b> · { $day }
    От { $user }{ $handle } (id <code>{ $id }</code>)
    Ответ на эту карточку или на любое сообщение обращения уйдёт пользователю.
topic-name = #{ $number } · { $name }
user-edited = ✏️ Пользователь изменил это сообщение обращения <b>#{ $number }</b>; теперь оно выглядит так:
closed-by = 🔒 <b>#{ $number }</b> закрыл(а) { $name }.
closed-by-user = 🔒 <b>#{ $number }</b> закрыто пользователем.
auto-closed = 🔒 <b>#{ $number }</b> закрыто автоматически: пользователь не отвечал { $after }.
reopened-by = 🔓 <b>#{ $number }</b> снова открыл(а) { $name }.
already-closed = <b>#{ $number }</b> уже закрыто.
already-open = <b>#{ $number }</b> уже открыто.
user-has-other-ticket = Нельзя снова открыть <b>#{ $number }</b>: у пользователя открыто обращение <b>#{ $other }</b>.
assigned = 👤 <b>#{ $number }</b> назначено: { $to } (назначил(а) { $by }).
note-saved = 📝 Заметка сохранена в <b>#{ $number }</b> (пользователю не отправлена).
user-banned = ⛔ { $name } (обращение <b>#{ $number }</b>) заблокирован(а): сообщения больше не доходят до сотрудников.
user-unbanned = ✅ { $name } разблокирован(а).

## Доставка

user-blocked-bot = ⛔ { $name } заблокировал(а) бота: ничего не дойдёт, пока пользователь не напишет снова.
user-blocked-bot-ticket = ⛔ { $name } (обращение <b>#{ $number }</b>) заблокировал(а) бота: ничего не дойдёт, пока пользователь не напишет снова.
undeliverable = ⚠️ Сообщение для { $name } не удалось доставить, и оно отложено: { $reason }. Отправьте его снова, если оно ещё нужно.
undeliverable-ticket = ⚠️ Сообщение для { $name } (обращение <b>#{ $number }</b>) не удалось доставить, и оно отложено: { $reason }. Отправьте его снова, если оно ещё нужно.

## Потоки сообщений

flooding =
    🐢 { $name } пишет больше { $limit ->
        [one] { $limit } сообщения
       *[other] { $limit } сообщений
    } в минуту: остальные сообщения этой минуты сохранены в обращении <b>#{ $number }</b> и сюда не публикуются. { $command } покажет их.
too-many-tickets =
    🐢 { $name } открыл(а) { $limit ->
        [one] { $limit } обращение
        [few] { $limit } обращения
       *[many] { $limit } обращений
    } за час: до конца часа сообщения сохраняются в обращении <b>#{ $number }</b>, новые не открываются. { $command } покажет их.
digest-header =
    📥 <b>Много работы: { $messages ->
        [one] { $messages } сообщение
        [few] { $messages } сообщения
       *[many] { $messages } сообщений
    } в { $tickets ->
        [one] { $tickets } обращении
       *[other] { $tickets } обращениях
    }</b>, собраны здесь, чтобы не превысить лимиты Telegram.
    Нажмите на обращение, чтобы открыть его и ответить; ответ на эту сводку никому не дойдёт.
digest-line =
    { $new ->
        [yes] 🆕
       *[no] 💬
    } { $command } · { $name }{ $handle }{ $messages ->
        [1] {""}
        [one] {" "}({ $messages } сообщение)
        [few] {" "}({ $messages } сообщения)
       *[many] {" "}({ $messages } сообщений)
    }{ $preview }
reply-to-digest = В этой сводке несколько обращений: откройте нужное по ссылке /ticket_…, затем ответьте на его карточку.

## Время ответа

reminder-first = ⏰ <b>#{ $number }</b> · { $name } ждёт первого ответа уже { $waited }.
reminder = ⏰ <b>#{ $number }</b> · { $name } ждёт ответа уже { $waited }.
duration-days = { $days } д { $hours } ч
duration-hours = { $hours } ч { $minutes } мин
duration-minutes = { $minutes } мин
duration-seconds = { $seconds } с

## Оценки

rated = ⭐ { $score }/5 за <b>#{ $number }</b>
rated-again = ⭐ { $score }/5 за <b>#{ $number }</b> (было { $before }/5)
rating-comment = 💬 Комментарий пользователя к оценке ⭐ { $score }/5 за <b>#{ $number }</b>: { $text }

## Шаблоны ответов

snippet-saved = 💾 Шаблон <code>{ $name }</code> сохранён: отправьте его командой /s { $name } в обращении.
snippet-deleted = 🗑 Шаблон <code>{ $name }</code> удалён.
no-such-snippet = Шаблона <code>{ $name }</code> нет: /snippets покажет список.
snippet-too-long = Шаблон может быть не длиннее { $limit ->
        [one] { $limit } символа
       *[other] { $limit } символов
    } с подставленными {"{"}name{"}"} и {"{"}ticket{"}"}.
snippet-usage = Как пользоваться: /snippet add ИМЯ ТЕКСТ (в тексте {"{"}name{"}"} — имя пользователя, {"{"}ticket{"}"} — номер обращения #N), /snippet del ИМЯ; /s ИМЯ в ответ на обращение (или в его теме) отправляет шаблон. Имя — до 32 символов из a-z, 0-9, _ и -.
no-snippets = Шаблонов пока нет: /snippet add ИМЯ ТЕКСТ сохранит шаблон.
snippets-header = <b>Шаблоны ответов</b> ({ $count }). Отправить: /s ИМЯ в обращении.
snippet-line = • <code>{ $name }</code> — { $text }
snippet-sent =
    📤 Шаблон <code>{ $name }</code> отправлен пользователю обращения <b>#{ $number }</b>:
    { $text }

## /unsend

unsend-usage = Используйте /unsend в ответ на сообщение, которое дошло до пользователя: оно будет удалено из его чата.
unsent = 🗑 Отозвано: ответ удалён из чата пользователя (в обращении он остаётся с пометкой «отозван»).
already-unsent = Этот ответ уже отозван.
unsend-not-delivered = Этот ответ ещё не дошёл до пользователя; повторите /unsend чуть позже.
unsend-too-old = Telegram позволяет боту удалять свои сообщения только в течение 48 часов: этот ответ останется.

## /stats

stats-usage = Как пользоваться: /stats (сегодня), /stats week (последние 7 дней), /stats month (последние 30 дней).
stats-today = 📊 <b>Статистика за сегодня ({ $day })</b>
stats-days =
    📊 <b>Статистика за { $days ->
        [one] последний { $days } день
        [few] последние { $days } дня
       *[many] последние { $days } дней
    } ({ $first } – { $last })</b>
stats-figures =
    Обращения: открыто { $opened }, закрыто { $closed }
    Первый ответ: медиана { $median }, 90-й процентиль { $p90 } (получили ответ: { $answered } из открытых)
    Время до закрытия: медиана { $close }
    Отправлено напоминаний (ждали дольше срока первого ответа): { $reminders }
stats-ratings =
    Оценки: ⭐ { NUMBER($average, minimumFractionDigits: 1, maximumFractionDigits: 1) } в среднем, { $count ->
        [one] { $count } оценка
        [few] { $count } оценки
       *[many] { $count } оценок
    }
stats-no-ratings = Оценки: нет
stats-staff-header = <b>По сотрудникам</b> (обращений с ответом; медиана первого ответа в тех, где сотрудник ответил первым):
stats-staff-line = • { $name } — { $answered }; { $median }
stats-none = —
find-usage = Как пользоваться: /find СЛОВА [@username] [#open] [ГГГГ-ММ-ДД] [page:N] — обращения, в сообщениях или заметках которых есть все слова; сначала те, где они встречались позже всего.
found-nothing = 🔎 По запросу <code>{ $query }</code> ничего не найдено{ $page ->
        [1] {""}
       *[other] {" "}на странице { $page }
    }.
found-header = 🔎 Обращения по запросу <code>{ $query }</code>, сначала новые — страница { $page }:
found-line =
    • { $command } · { $name }{ $handle } · { $status ->
        [open] открыто
       *[closed] закрыто
    }
      { $text }
found-more = Дальше: /find { $query } page:{ $page }
chart-title-today = Обращения и первый ответ, { $day }
chart-title-days = Обращения и первый ответ, { $first } – { $last }
chart-opened = открыто обращений
chart-first-response = медиана первого ответа
chart-minutes = медиана первого ответа, минуты

## /export

export-usage = Как пользоваться: /export (сегодня), /export week (последние 7 дней), /export month (последние 30 дней): обращения в файле CSV. Больше — командой ticketbot export на сервере.
export-caption =
    📤 { $count ->
        [one] { $count } обращение
        [few] { $count } обращения
       *[many] { $count } обращений
    }, { $first } – { $last }
export-too-big = Выгрузка больше, чем Telegram принимает от бота: выполните ticketbot export на сервере.

## /forget

forget-confirm = 🗑 Удалить данные { $name } (обращение <b>#{ $number }</b>)? Имя, username, все сообщения обращений этого пользователя (в обе стороны, вместе с заметками), комментарии к оценкам и всё, что бот сохранил о нём, будут удалены навсегда; у обращений останутся номер, день, время и оценка.
button-forget = Удалить
button-forget-topics = Удалить вместе с темами
button-cancel = Отмена
forget-cancelled = Не удалено: данные пользователя <b>#{ $number }</b> остались как были.
forget-done =
    🗑 Данные пользователя <b>#{ $number }</b> удалены: имя и username, { $texts ->
        [one] { $texts } текст сообщения
        [few] { $texts } текста сообщений
       *[many] { $texts } текстов сообщений
    }, { $updates ->
        [one] { $updates } исходное обновление
        [few] { $updates } исходных обновления
       *[many] { $updates } исходных обновлений
    }, { $outbox ->
        [one] { $outbox } сохранённое отправленное сообщение
        [few] { $outbox } сохранённых отправленных сообщения
       *[many] { $outbox } сохранённых отправленных сообщений
    }. У обращений остались номер, день, время и оценка.
forget-gone = У <b>#{ $number }</b> больше некого удалять.
press-admins-only = Это могут только администраторы группы.

## /open и /ticket

reply-to-no-ticket = Это сообщение не относится ни к одному обращению: ответьте на карточку обращения или на одно из его сообщений.
command-needs-ticket = Используйте /{ $command } в ответ на карточку или сообщение обращения.
admins-only = /{ $command } — только для администраторов группы.
unknown-staff = Я пока не знаю @{ $username }: сначала этот сотрудник должен хотя бы раз ответить на обращение.
assign-usage = Как пользоваться: /assign @username в ответ на обращение (или /assign @username #N).
note-usage = Как пользоваться: /note текст в ответ на обращение (или /note #N текст).
no-such-ticket = Обращения { $reference } нет.
no-open-tickets = Открытых обращений нет. 🎉
open-header = 📋 <b>Открытые обращения</b> — всего { $total }, страница { $page }/{ $pages }
open-line = <b>#{ $number }</b> · { $day } · { $age } · { $who } → { $assignee }
open-line-waiting = ⏳ ждёт { $waited } · <b>#{ $number }</b> · { $day } · { $age } · { $who } → { $assignee }
nobody = никто
open-more = Дальше: /open { $page }
history-header =
    🎫 <b>#{ $number }</b> · { $day } · { $status ->
        [open] открыто
       *[closed] закрыто
    } · { $name }
history-earlier =
    … { $count ->
        [one] ещё { $count } более раннее сообщение не показано: оно
        [few] ещё { $count } более ранних сообщения не показаны: они
       *[many] ещё { $count } более ранних сообщений не показаны: они
    } { $forum ->
        [yes] в теме обращения
       *[no] в этом чате, в ответах на карточку обращения
    }, куда и пришли.
history-line = <code>{ $time }</code> { $who }: { $text }
# Простой текст.
history-media =
    {"["}{ $kind ->
        [photo] фото
        [document] файл
        [video] видео
        [voice] голосовое сообщение
        [audio] аудио
        [sticker] стикер
        [animation] анимация
        [video_note] видеосообщение
        [location] геопозиция
        [contact] контакт
        [text] текст удалён
       *[other] сообщение
    }]

## /help

help =
    <b>ticketbot</b> — ответы на обращения
    • Ответьте на карточку обращения или на любое его сообщение: ваш ответ дойдёт до пользователя (текст, медиа, файлы).
    Вместо ответа обращение можно назвать так: <code>#N</code> (сегодняшнее) или <code>ГГГГ-ММ-ДД#N</code>:
help-line = • /{ $command } — { $description }

## Меню команд чата поддержки (простой текст, от 3 до 256 символов).

menu-close = Закрыть обращение (пользователь получит уведомление)
menu-reopen = Снова открыть обращение
menu-take = Взять обращение себе
menu-assign = Назначить обращение коллеге: /assign @имя (администраторы)
menu-note = Оставить заметку в обращении; пользователю не отправляется
menu-open = Открытые обращения, сначала ждущие ответа: /open [страница]
menu-ticket = Карточка и история обращения: /ticket #N
menu-ban = Заблокировать пользователя обращения: его сообщения не дойдут (администраторы)
menu-unban = Разблокировать пользователя (администраторы)
menu-stats = Показатели поддержки с графиком: /stats [day|week|month]
menu-find = Обращения, в сообщениях которых есть слова: /find СЛОВА [@user] [#open] [дата]
menu-export = Обращения за период в файле CSV: /export [day|week|month] (администраторы)
menu-forget = Удалить данные пользователя обращения после подтверждения (администраторы)
menu-unsend = Удалить ответ из чата пользователя: ответьте на него командой /unsend
menu-s = Отправить пользователю шаблон ответа: /s ИМЯ
menu-snippet = Шаблоны ответов: /snippet add ИМЯ ТЕКСТ (с подстановкой {"{"}name{"}"}, {"{"}ticket{"}"}), /snippet del ИМЯ
menu-snippets = Список шаблонов ответов
menu-help = Как отвечать на обращения

## The web console

# Ответ из веб-консоли (или через API), чтобы его видели сотрудники.
web-reply-sent =
    💬 { $name } ответил(а) на обращение <b>#{ $number }</b> из веб-консоли:
    { $text }
