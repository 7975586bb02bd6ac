"""A local stand-in for QQ's OAuth 2.0 server (graph.qq.com) speaking its real protocol, so QQ login
runs offline in development and tests. Mounted at /qq-sim/ only when settings.QQ_STANDIN_ENABLED."""
