/*
 * mywsclient_get_stats2 with the struct sizes of older headers: a program
 * compiled against an older layout passes its own sizeof and gets exactly
 * that many bytes, never more (checked with guard bytes and, under
 * AddressSanitizer, with a heap block of exactly that size). The layouts
 * below are frozen copies of what earlier headers declared: never edit
 * them; add a new one when a release appends fields.
 */
#include "test_util.h"

#include <stddef.h>

/* 0.1: mywsclient_stats (also the start of every mywsclient_stats2). */
typedef struct layout_0_1
{
  uint64_t messages_sent;
  uint64_t bytes_sent;
  uint64_t messages_received;
  uint64_t bytes_received;
  uint64_t connections;
  uint64_t reconnects;
  uint64_t queued_messages;
  uint64_t queued_bytes;
  uint16_t last_close_code;
} layout_0_1;

/* 0.2: the first mywsclient_stats2 (round-trip time and receipts). */
typedef struct layout_0_2
{
  uint64_t messages_sent;
  uint64_t bytes_sent;
  uint64_t messages_received;
  uint64_t bytes_received;
  uint64_t connections;
  uint64_t reconnects;
  uint64_t queued_messages;
  uint64_t queued_bytes;
  uint16_t last_close_code;
  uint8_t reserved[6];
  uint64_t rtt_last_us;
  uint64_t rtt_smoothed_us;
  uint64_t rtt_samples;
  uint64_t messages_discarded;
  uint64_t receipts_written;
  uint64_t receipts_discarded;
} layout_0_2;

#define GUARD 64

/* Calls get_stats2 with `size` into a buffer of size + GUARD bytes filled
 * with 0xAB; checks that nothing past `size` changed. */
static void sized_call(mywsclient *c, size_t size, unsigned char *copy_out)
{
  unsigned char *buf = (unsigned char *)malloc(size + GUARD);
  size_t i;
  CHECK(buf != NULL);
  memset(buf, 0xAB, size + GUARD);
  CHECK_OK(mywsclient_get_stats2(c, (mywsclient_stats2 *)(void *)buf, size));
  for (i = size; i < size + GUARD; i++)
    CHECK(buf[i] == 0xAB);
  memcpy(copy_out, buf, size);
  free(buf);
}

int main(void)
{
  echo_server srv;
  recorder r;
  mywsclient *c;
  char url[64];
  mywsclient_stats old;
  layout_0_1 v01;
  layout_0_2 v02;
  mywsclient_stats2 now;

  /* The frozen layouts are prefixes of today's. */
  CHECK(sizeof(layout_0_1) == sizeof(mywsclient_stats));
  CHECK(offsetof(mywsclient_stats2, last_close_code) == offsetof(layout_0_1, last_close_code));
  CHECK(sizeof(layout_0_2) <= sizeof(mywsclient_stats2));
  CHECK(offsetof(mywsclient_stats2, rtt_last_us) == offsetof(layout_0_2, rtt_last_us));
  CHECK(offsetof(mywsclient_stats2, receipts_discarded) == offsetof(layout_0_2, receipts_discarded));

  echo_server_start(&srv, 0);
  echo_url(&srv, url, sizeof url);
  rec_init(&r);
  c = t_client(url, &r);
  CHECK_OK(mywsclient_start(c));
  REC_EXPECT(&r, r.events[MYWSCLIENT_EVENT_TYPE_OPEN] == 1);
  CHECK_OK(mywsclient_send(c, "hello", 5));
  REC_EXPECT(&r, r.nmsgs == 1);

  /* Argument checks. */
  CHECK_RES(mywsclient_get_stats2(NULL, &now, sizeof now), MYWSCLIENT_RESULT_NULL_ARGUMENT);
  CHECK_RES(mywsclient_get_stats2(c, NULL, sizeof now), MYWSCLIENT_RESULT_NULL_ARGUMENT);
  CHECK_RES(mywsclient_get_stats2(c, &now, sizeof(void *)), MYWSCLIENT_RESULT_INVALID_ARGUMENT);
  CHECK_RES(mywsclient_get_stats2(c, &now, sizeof(mywsclient_stats) - 1), MYWSCLIENT_RESULT_INVALID_ARGUMENT);

  /* Today's layout, and each older one. */
  memset(&now, 0, sizeof now);
  CHECK_OK(mywsclient_get_stats2(c, &now, sizeof now));
  CHECK(now.messages_sent == 1 && now.messages_received == 1 && now.connections == 1);
  CHECK(now.bytes_sent == 5 && now.bytes_received == 5);
  sized_call(c, sizeof v01, (unsigned char *)&v01);
  CHECK(v01.messages_sent == 1 && v01.bytes_received == 5 && v01.connections == 1);
  CHECK(v01.queued_messages == 0 && v01.last_close_code == 0);
  sized_call(c, sizeof v02, (unsigned char *)&v02);
  CHECK(v02.messages_sent == 1 && v02.connections == 1);
  CHECK(v02.receipts_written == 0 && v02.receipts_discarded == 0);
  /* The 0.1 struct itself, through the new call, matches the old call. */
  sized_call(c, sizeof old, (unsigned char *)&old);
  {
    mywsclient_stats viaold;
    CHECK_OK(mywsclient_get_stats(c, &viaold));
    CHECK(viaold.messages_sent == old.messages_sent && viaold.bytes_received == old.bytes_received);
  }
  /* A program newer than the library: a bigger struct; the tail stays as it was. */
  {
    size_t big = sizeof(mywsclient_stats2) + 32;
    unsigned char *buf = (unsigned char *)calloc(1, big + GUARD);
    size_t i;
    CHECK(buf != NULL);
    memset(buf + sizeof(mywsclient_stats2), 0x5A, 32 + GUARD);
    CHECK_OK(mywsclient_get_stats2(c, (mywsclient_stats2 *)(void *)buf, big));
    for (i = sizeof(mywsclient_stats2); i < big + GUARD; i++)
      CHECK(buf[i] == 0x5A);
    free(buf);
  }
  /* Exactly-sized heap blocks: AddressSanitizer catches a byte too many. */
  {
    layout_0_1 *h = (layout_0_1 *)malloc(sizeof *h);
    CHECK(h != NULL);
    CHECK_OK(mywsclient_get_stats2(c, (mywsclient_stats2 *)(void *)h, sizeof *h));
    CHECK(h->messages_sent == 1);
    free(h);
  }
  mywsclient_free(c);
  rec_destroy(&r);
  echo_server_stop(&srv);
  t_log("stats2 with old layouts: ok");
  return 0;
}
