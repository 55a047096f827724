/* The SPDY/3 zlib dictionary (spdy_dictionary.c). Internal to src/api. */
#ifndef HUSK_API_SPDY_DICTIONARY_H
#define HUSK_API_SPDY_DICTIONARY_H

#define SPDY_DICTIONARY_SIZE 1423

extern const unsigned char spdy_dictionary[SPDY_DICTIONARY_SIZE];

#endif
