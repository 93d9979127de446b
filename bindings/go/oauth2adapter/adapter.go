// Package oauth2adapter lets a tokenkit.TokenSource feed golang.org/x/oauth2, so that
// oauth2.NewClient, and every library that takes an oauth2.TokenSource, sends tokenkit's tokens:
//
//	ts, err := client.NewTokenSource(token, tokenkit.TokenSourceOptions{})
//	httpClient := oauth2.NewClient(ctx, oauth2adapter.TokenSource(ts))
//
// Refreshing stays tokenkit's: the adapter asks the tokenkit.TokenSource for a token on every
// call, which costs no request while the cached token is fresh.
package oauth2adapter

import (
	"encoding/json"

	tokenkit "github.com/tokenkit/tokenkit/bindings/go"
	"golang.org/x/oauth2"
)

// TokenSource returns an oauth2.TokenSource backed by ts. It is safe for concurrent use, as ts is.
// Closing ts makes its Token method fail.
func TokenSource(ts *tokenkit.TokenSource) oauth2.TokenSource {
	return source{ts}
}

type source struct{ ts *tokenkit.TokenSource }

func (s source) Token() (*oauth2.Token, error) {
	t, err := s.ts.Token()
	if err != nil {
		return nil, err
	}
	return Token(t), nil
}

// Token converts a tokenkit.Token: AccessToken, TokenType, RefreshToken, ExpiresIn and Expiry
// field by field, and every field of Raw as the token's extra (oauth2.Token.Extra("id_token"),
// Extra("scope")).
func Token(t *tokenkit.Token) *oauth2.Token {
	if t == nil {
		return nil
	}
	token := &oauth2.Token{
		AccessToken:  t.AccessToken,
		TokenType:    t.TokenType,
		RefreshToken: t.RefreshToken,
		ExpiresIn:    t.ExpiresIn,
		Expiry:       t.Expiry,
	}
	var extra map[string]any
	if json.Unmarshal(t.Raw, &extra) == nil && extra != nil {
		token = token.WithExtra(extra)
	}
	return token
}
