#pragma once
// QTEST_GUILESS_MAIN that can put the main thread on the serving threads' EpollEventDispatcher:
// with DYNASEAL_TEST_EVENT_LOOP=epoll, a network test runs again over that event loop.
#include "server/net/EpollEventDispatcher.h"

#include <QAbstractEventDispatcher>
#include <QCoreApplication>
#include <QtTest>

#define DYNASEAL_EVENT_LOOP_TEST_MAIN(TestObject) DYNASEAL_TEST_MAIN_ON(TestObject, qgetenv("DYNASEAL_TEST_EVENT_LOOP") == "epoll")
// Always on the EpollEventDispatcher (its own test).
#define DYNASEAL_EPOLL_TEST_MAIN(TestObject) DYNASEAL_TEST_MAIN_ON(TestObject, true)

#define DYNASEAL_TEST_MAIN_ON(TestObject, onEpoll)                                                 \
    int main(int argc, char *argv[])                                                               \
    {                                                                                              \
        const bool epoll = (onEpoll);                                                              \
        if (epoll) {                                                                               \
            QAbstractEventDispatcher *dispatcher = dynaseal::EpollEventDispatcher::createIfAvailable(); \
            if (!dispatcher) {                                                                     \
                qCritical("this test runs on epoll, which is not available here");                 \
                return 1;                                                                          \
            }                                                                                      \
            QCoreApplication::setEventDispatcher(dispatcher);                                      \
        }                                                                                          \
        QCoreApplication app(argc, argv);                                                          \
        if (epoll && !qobject_cast<dynaseal::EpollEventDispatcher *>(QAbstractEventDispatcher::instance())) { \
            qCritical("the main thread is not on the EpollEventDispatcher");                      \
            return 1;                                                                              \
        }                                                                                          \
        TestObject tc;                                                                             \
        QTEST_SET_MAIN_SOURCE_PATH                                                                 \
        return QTest::qExec(&tc, argc, argv);                                                      \
    }
