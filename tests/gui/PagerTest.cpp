// The pager under a list: what it says of the page and the list's total, and when it offers the
// next page, for a total counted whole, one counted only so far ("total_exact": false), and none;
// and which page it asks for, by cursor or by offset.
#include "console/widgets/Pager.h"

#include <QLabel>
#include <QPushButton>
#include <QtTest>

using namespace dynaseal::console;

class PagerTest : public QObject
{
    Q_OBJECT
private slots:
    void initTestCase() { QLocale::setDefault(QLocale(QLocale::English, QLocale::UnitedStates)); }

    void saysThePageAndTheTotal_data()
    {
        QTest::addColumn<int>("pages"); // "next" pressed this often first (50 rows a page)
        QTest::addColumn<int>("rows");
        QTest::addColumn<qint64>("total");
        QTest::addColumn<bool>("exact");
        QTest::addColumn<QString>("label");
        QTest::addColumn<bool>("next");
        QTest::newRow("first of several") << 0 << 50 << qint64(120) << true << "1–50 of 120" << true;
        QTest::newRow("the last page") << 2 << 20 << qint64(120) << true << "101–120 of 120" << false;
        QTest::newRow("a full last page") << 1 << 50 << qint64(100) << true << "51–100 of 100" << false;
        QTest::newRow("counted so far") << 0 << 50 << qint64(10000) << false << "1–50 of 10,000+" << true;
        QTest::newRow("past the count") << 200 << 50 << qint64(10000) << false << "10,001–10,050 of 10,000+" << true;
        QTest::newRow("the end past the count") << 201 << 7 << qint64(10000) << false << "10,051–10,057 of 10,000+" << false;
        QTest::newRow("beyond the end") << 202 << 0 << qint64(10000) << false << "No more rows (10,000+ in total)" << false;
        QTest::newRow("no total, full page") << 0 << 50 << qint64(-1) << true << "1–50" << true;
        QTest::newRow("no total, short page") << 0 << 3 << qint64(-1) << true << "1–3" << false;
        QTest::newRow("empty") << 0 << 0 << qint64(0) << true << "No rows" << false;
    }

    void saysThePageAndTheTotal()
    {
        QFETCH(int, pages);
        QFETCH(int, rows);
        QFETCH(qint64, total);
        QFETCH(bool, exact);
        QFETCH(QString, label);
        QFETCH(bool, next);
        Pager pager(50);
        auto *nextButton = pager.findChild<QPushButton *>(QStringLiteral("nextPage"));
        QVERIFY(nextButton);
        QSignalSpy requested(&pager, &Pager::pageRequested);
        for (int i = 0; i < pages; ++i) {
            pager.showPage(50, 20000); // every earlier page full, with more to come
            nextButton->click();
        }
        QCOMPARE(requested.size(), pages);
        QCOMPARE(pager.offset(), pages * 50);
        pager.showPage(rows, total, exact);
        QCOMPARE(pager.findChild<QLabel *>()->text(), label);
        QCOMPARE(nextButton->isEnabled(), next);
    }

    void pagesByTheCursorsTheListGave_data()
    {
        // A walk of "next" (n) and "previous" (p) clicks over a list that pages by cursor: page k
        // gives "c<k+1>" for the next one, except its last page (4, with 7 rows). After each
        // click, the page asked for: its offset and its cursor.
        QTest::addColumn<QString>("clicks");
        QTest::addColumn<int>("offset");
        QTest::addColumn<QString>("cursor");
        QTest::addColumn<bool>("next");
        QTest::newRow("the first page") << "" << 0 << "" << true;
        QTest::newRow("the second") << "n" << 50 << "c1" << true;
        QTest::newRow("the third") << "nn" << 100 << "c2" << true;
        QTest::newRow("back to the second") << "nnp" << 50 << "c1" << true;
        QTest::newRow("back to the first") << "nnpp" << 0 << "" << true;
        QTest::newRow("forth again") << "nnppn" << 50 << "c1" << true;
        QTest::newRow("the last page") << "nnn" << 150 << "c3" << false;
    }

    void pagesByTheCursorsTheListGave()
    {
        QFETCH(QString, clicks);
        QFETCH(int, offset);
        QFETCH(QString, cursor);
        QFETCH(bool, next);
        Pager pager(50);
        auto *nextButton = pager.findChild<QPushButton *>(QStringLiteral("nextPage"));
        auto *previousButton = pager.findChild<QPushButton *>(QStringLiteral("previousPage"));
        QVERIFY(nextButton && previousButton);
        // What the server answers for the page the pager asks for.
        auto answer = [&pager] {
            const int page = pager.page().offset / 50;
            QCOMPARE(pager.page().cursor, page ? QStringLiteral("c%1").arg(page) : QString());
            if (page == 3)
                pager.showPage(7, 10000, false, QString());
            else
                pager.showPage(50, 10000, false, QStringLiteral("c%1").arg(page + 1));
        };
        answer();
        for (QChar c : clicks) {
            (c == QLatin1Char('n') ? nextButton : previousButton)->click();
            answer();
        }
        QCOMPARE(pager.page().offset, offset);
        QCOMPARE(pager.page().cursor, cursor);
        QCOMPARE(pager.page().limit, 50);
        QCOMPARE(nextButton->isEnabled(), next);
        // Filters changed: from the first page again, by offset.
        pager.reset();
        QCOMPARE(pager.page().offset, 0);
        QVERIFY(pager.page().cursor.isEmpty());
    }
};

QTEST_MAIN(PagerTest)
#include "PagerTest.moc"
