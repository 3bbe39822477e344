// Part of MyWSClient.h (sending: messages, ping, close); not to be included on its own.
#pragma once
#ifndef MYWSCLIENT_CXX_SENDING_H
#define MYWSCLIENT_CXX_SENDING_H

#ifndef MYWSCLIENT_CXX_WRAPPER_H
#error "mywsclient/cxx/sending.h is part of MyWSClient.h: include \"MyWSClient.h\" instead"
#endif

inline void MyWSClient::sendMessage(const std::string &message) noexcept
{
  mywsclient_result r =
      handle_ ? mywsclient_send(handle_.get(), message.data(), message.size()) : MYWSCLIENT_RESULT_NULL_ARGUMENT;
  if (r != MYWSCLIENT_RESULT_OK)
    reportRefusedSend("sendMessage", message.size(), r);
}

inline bool MyWSClient::trySendMessage(const std::string &message, std::string *why)
{
  if (!handle_)
    return fail(why, notUsable());
  return check(mywsclient_send(handle_.get(), message.data(), message.size()), why);
}

inline bool MyWSClient::trySendBinary(const void *data, std::size_t len, std::string *why)
{
  if (!handle_)
    return fail(why, notUsable());
  if (!data && len == 0)
    data = "";
  return check(mywsclient_send_binary(handle_.get(), static_cast<const std::uint8_t *>(data), len), why);
}

inline bool MyWSClient::trySendBinary(const std::string &data, std::string *why)
{
  return trySendBinary(data.data(), data.size(), why);
}

inline bool MyWSClient::trySendBinary(const std::vector<std::uint8_t> &data, std::string *why)
{
  return trySendBinary(data.data(), data.size(), why);
}

inline void MyWSClient::sendBinary(const void *data, std::size_t len) noexcept
{
  if (!data && len == 0)
    data = "";
  mywsclient_result r = handle_ ? mywsclient_send_binary(handle_.get(), static_cast<const std::uint8_t *>(data), len)
                                : MYWSCLIENT_RESULT_NULL_ARGUMENT;
  if (r != MYWSCLIENT_RESULT_OK)
    reportRefusedSend("sendBinary", len, r);
}

inline void MyWSClient::sendBinary(const std::string &data) noexcept { sendBinary(data.data(), data.size()); }

inline void MyWSClient::sendBinary(const std::vector<std::uint8_t> &data) noexcept
{
  sendBinary(data.data(), data.size());
}

inline bool MyWSClient::ping(const std::string &payload, std::string *why)
{
  if (!handle_)
    return fail(why, notUsable());
  return check(mywsclient_ping(handle_.get(), reinterpret_cast<const std::uint8_t *>(payload.data()), payload.size()),
               why);
}

inline bool MyWSClient::close(int code, const std::string &reason, AfterClose then, std::string *why)
{
  if (!handle_)
    return fail(why, notUsable());
  if (code < 0 || reason.find('\0') != std::string::npos)
    return fail(why, "close code must be 1000 or 3000-4999 and the reason must not contain NUL");
  std::uint32_t flags = then == AfterClose::Reconnect        ? static_cast<std::uint32_t>(MYWSCLIENT_CLOSE_RECONNECT)
                        : then == AfterClose::StopAndDiscard ? static_cast<std::uint32_t>(MYWSCLIENT_CLOSE_DISCARD)
                                                             : 0u;
  return check(mywsclient_close(handle_.get(), static_cast<std::uint32_t>(code), reason.c_str(), flags), why);
}

inline std::uint64_t MyWSClient::sendMessageEx(const std::string &message, bool urgent, std::string *why)
{
  return sendEx(message.data(), message.size(), urgent ? static_cast<std::uint32_t>(MYWSCLIENT_SEND_URGENT) : 0u, why);
}

inline std::uint64_t MyWSClient::sendBinaryEx(const void *data, std::size_t len, bool urgent, std::string *why)
{
  return sendEx(data, len,
                static_cast<std::uint32_t>(MYWSCLIENT_SEND_BINARY) |
                    (urgent ? static_cast<std::uint32_t>(MYWSCLIENT_SEND_URGENT) : 0u),
                why);
}

inline std::uint64_t MyWSClient::sendBinaryEx(const std::string &data, bool urgent, std::string *why)
{
  return sendBinaryEx(data.data(), data.size(), urgent, why);
}

inline std::uint64_t MyWSClient::sendBinaryEx(const std::vector<std::uint8_t> &data, bool urgent, std::string *why)
{
  return sendBinaryEx(data.data(), data.size(), urgent, why);
}

inline std::uint64_t MyWSClient::sendEx(const void *data, std::size_t len, std::uint32_t flags, std::string *why)
{
  if (!handle_)
  {
    fail(why, notUsable());
    return 0;
  }
  if (!data && len == 0)
    data = "";
  std::uint64_t id = 0;
  return check(mywsclient_send_ex(handle_.get(), static_cast<const std::uint8_t *>(data), len, flags, &id), why) ? id
                                                                                                                 : 0;
}

#endif /* MYWSCLIENT_CXX_SENDING_H */
