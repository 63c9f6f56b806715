/* A fake of the vendor reader library (the SDT_* API of libsdtapi.so), built by the
 * tests (crates/idcard/tests/vendor.rs) with the system's C compiler. A reader on USB port
 * 1001; what lies on it is set with fake_place_card. Built with -DWITH_PHOTO it also
 * exports `unpack`, the photo decoder, which writes a small BMP of the documented size. */
#include <string.h>

static unsigned char card[256];
static int has_card = 0;
static int opened = 0;

int fake_place_card(const unsigned char *text, int len) {
    has_card = (len == 256);
    if (has_card) memcpy(card, text, 256);
    return 0;
}

int fake_open_count(void) { return opened; }

int SDT_OpenPort(int port) {
    if (port != 1001) return 0x01;
    opened++;
    return 0x90;
}

int SDT_ClosePort(int port) { (void)port; return 0x90; }

int SDT_StartFindIDCard(int port, unsigned char *iin, int if_open) {
    (void)port; (void)if_open;
    memset(iin, 0, 8);
    return has_card ? 0x9F : 0x80;
}

int SDT_SelectIDCard(int port, unsigned char *sn, int if_open) {
    (void)port; (void)if_open;
    memset(sn, 0, 8);
    return has_card ? 0x90 : 0x81;
}

int SDT_ReadBaseMsg(int port, unsigned char *text, unsigned int *text_len, unsigned char *photo,
                    unsigned int *photo_len, int if_open) {
    (void)port; (void)if_open;
    if (!has_card) return 0x41;
    memcpy(text, card, 256);
    *text_len = 256;
    memset(photo, 0x5A, 1024);
    *photo_len = 1024;
    return 0x90;
}

#ifdef WITH_PHOTO
int unpack(unsigned char *wlt, unsigned char *bmp, int save) {
    (void)save;
    if (wlt[0] != 0x5A) return -1;
    memset(bmp, 0x80, 38862);
    bmp[0] = 'B';
    bmp[1] = 'M';
    return 1;
}
#endif
