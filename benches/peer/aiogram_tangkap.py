"""The peer in Tangkap's benchmarks: the seed's /moban bot written the usual Python way.

An idiomatic aiogram 3 bot with aiosqlite, as the seed's draft code would grow into: a
router with a `/moban` command handler that inserts the order and replies with Feedback 1
at once. `scripts/bench` installs aiogram and aiosqlite into a throwaway virtualenv and the
harness (benches/tangkap.rs) runs this file against the same fake Telegram as Tangkap.

Settings come from the environment:
  PEER_API_URL      base URL of the Bot API (the fake)
  PEER_TOKEN        bot token
  PEER_DB           SQLite file
  PEER_MODE         "webhook" or "polling"
  PEER_PORT         webhook port (webhook mode)
  PEER_SECRET       webhook secret token (webhook mode)
"""

import asyncio
import logging
import os
import secrets

import aiosqlite
from aiogram import Bot, Dispatcher, Router
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.filters import Command, CommandObject
from aiogram.types import Message
from aiogram.webhook.aiohttp_server import SimpleRequestHandler, setup_application
from aiohttp import web

TICKET_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
WEBHOOK_PATH = "/telegram/webhook"

router = Router()


@router.message(Command("moban"))
async def moban(message: Message, command: CommandObject, db: aiosqlite.Connection) -> None:
    fields = [field.strip() for field in (command.args or "").split("#")]
    fields = [field for field in fields if field]
    if len(fields) < 3:
        await message.reply("Format: /moban #ORDER_ID #TRANSAKSI #KETERANGAN")
        return
    order_id, transaksi, keterangan = fields[0], fields[1], " #".join(fields[2:])
    ticket = "".join(secrets.choice(TICKET_ALPHABET) for _ in range(6))
    await db.execute(
        "INSERT INTO orders (order_id, transaksi, keterangan, no_tiket, status, chat_id, message_id)"
        " VALUES (?, ?, ?, ?, 'order', ?, ?)",
        (order_id, transaksi, keterangan, ticket, message.chat.id, message.message_id),
    )
    await db.commit()
    await message.reply(
        f"Permintaan Anda #{order_id} #{transaksi} sudah kami proses dengan no tiket "
        f"#{ticket}, silahkan tunggu"
    )


async def open_database(path: str) -> aiosqlite.Connection:
    db = await aiosqlite.connect(path)
    await db.execute(
        "CREATE TABLE IF NOT EXISTS orders ("
        " no INTEGER PRIMARY KEY AUTOINCREMENT, order_id TEXT, transaksi TEXT,"
        " keterangan TEXT, no_tiket TEXT UNIQUE, status TEXT, chat_id INTEGER, message_id INTEGER)"
    )
    await db.commit()
    return db


def make_bot() -> Bot:
    session = AiohttpSession(api=TelegramAPIServer.from_base(os.environ["PEER_API_URL"]))
    return Bot(token=os.environ["PEER_TOKEN"], session=session)


async def run_polling() -> None:
    db = await open_database(os.environ["PEER_DB"])
    bot = make_bot()
    dispatcher = Dispatcher(db=db)
    dispatcher.include_router(router)
    await bot.delete_webhook()
    await dispatcher.start_polling(bot, polling_timeout=1)


def run_webhook() -> None:
    port = int(os.environ["PEER_PORT"])
    bot = make_bot()
    dispatcher = Dispatcher()
    dispatcher.include_router(router)

    async def on_startup(bot: Bot) -> None:
        dispatcher["db"] = await open_database(os.environ["PEER_DB"])
        await bot.set_webhook(
            f"http://127.0.0.1:{port}{WEBHOOK_PATH}", secret_token=os.environ["PEER_SECRET"]
        )

    dispatcher.startup.register(on_startup)
    app = web.Application()
    SimpleRequestHandler(
        dispatcher=dispatcher, bot=bot, secret_token=os.environ["PEER_SECRET"]
    ).register(app, path=WEBHOOK_PATH)
    setup_application(app, dispatcher, bot=bot)
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING)
    if os.environ["PEER_MODE"] == "webhook":
        run_webhook()
    else:
        asyncio.run(run_polling())
