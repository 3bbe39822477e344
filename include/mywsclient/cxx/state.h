// Part of MyWSClient.h (state, stats, lastError, version and names); not to be included on its own.
#pragma once
#ifndef MYWSCLIENT_CXX_STATE_H
#define MYWSCLIENT_CXX_STATE_H

#ifndef MYWSCLIENT_CXX_WRAPPER_H
#error "mywsclient/cxx/state.h is part of MyWSClient.h: include \"MyWSClient.h\" instead"
#endif

inline MyWSClient::State MyWSClient::state() const noexcept
{
  return handle_ ? static_cast<State>(mywsclient_state(handle_.get())) : State::Idle;
}

inline bool MyWSClient::isOpen() const noexcept { return state() == State::Open; }

inline bool MyWSClient::valid() const noexcept { return static_cast<bool>(handle_); }

inline MyWSClient::Stats MyWSClient::stats() const
{
  Stats s;
  if (cb_)
    s.lastError = cb_->getLastError();
  mywsclient_stats2 c{};
  if (handle_ && mywsclient_get_stats2(handle_.get(), &c, sizeof c) == MYWSCLIENT_RESULT_OK)
  {
    s.messagesSent = c.messages_sent;
    s.bytesSent = c.bytes_sent;
    s.messagesReceived = c.messages_received;
    s.bytesReceived = c.bytes_received;
    s.connections = c.connections;
    s.reconnects = c.reconnects;
    s.queuedMessages = c.queued_messages;
    s.queuedBytes = c.queued_bytes;
    s.lastCloseCode = c.last_close_code;
    s.rttLast = std::chrono::microseconds(static_cast<std::chrono::microseconds::rep>(c.rtt_last_us));
    s.rttSmoothed = std::chrono::microseconds(static_cast<std::chrono::microseconds::rep>(c.rtt_smoothed_us));
    s.rttSamples = c.rtt_samples;
    s.messagesDiscarded = c.messages_discarded;
    s.receiptsWritten = c.receipts_written;
    s.receiptsDiscarded = c.receipts_discarded;
    s.uncompressedBytesSent = c.uncompressed_bytes_sent;
    s.compressedBytesSent = c.compressed_bytes_sent;
    s.uncompressedBytesReceived = c.uncompressed_bytes_received;
    s.compressedBytesReceived = c.compressed_bytes_received;
    s.messagesResent = c.messages_resent;
  }
  return s;
}

inline std::string MyWSClient::lastError() const { return cb_ ? cb_->getLastError() : notUsable(); }

inline std::string MyWSClient::version() { return mywsclient_version(); }

inline const char *MyWSClient::stateName(State s) noexcept
{
  return mywsclient_state_str(static_cast<std::uint32_t>(s));
}

inline const char *MyWSClient::errorKindName(ErrorKind k) noexcept
{
  return mywsclient_error_kind_str(static_cast<std::uint32_t>(k));
}

inline mywsclient *MyWSClient::nativeHandle() const noexcept { return handle_.get(); }

#endif /* MYWSCLIENT_CXX_STATE_H */
